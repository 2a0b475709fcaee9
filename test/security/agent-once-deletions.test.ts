/**
 * Threat: a cron-driven agent (`lanyard-agent run --once` every few minutes) leaves a deleted or
 * departed employee's account active: the deletion scan was spread out over `deletionScanSeconds`
 * (time of the last scan kept in stateDir), and a one-shot run within that time of the previous
 * scan skipped it. Nothing runs after a one-shot run to catch up, so with runs closer together
 * than deletionScanSeconds the deletion was never seen.
 * Invariant: every one-shot run scans the scope for deletions, whatever the recorded time of the
 * last scan; an entry deleted from the directory or moved out of scope is disabled by the next
 * `run --once`.
 * Why this way: the real CLI against a real slapd and a Lanyard node, with deletionScanSeconds an
 * hour, so the deferral that used to apply certainly applies.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readAgentState } from '../../agent/state.ts';
import { dialects } from '../harness/databases.ts';
import { useAgentTestWorld, type AgentSetup } from '../agent/agent-fixture.ts';
import { createScenario } from '../agent/scenario.ts';

const execFileAsync = promisify(execFile);
const runOnce = (agent: AgentSetup) => execFileAsync(process.execPath, ['bin/lanyard-agent.mjs', 'run', '--once', '--config', agent.configFile]);

describe.each(dialects)('lanyard-agent run --once and deletions on %s', (dialect) => {
  const world = useAgentTestWorld(dialect);

  it('disables an entry deleted or moved out of scope since the previous one-shot run, within deletionScanSeconds', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { agent: { config: { deletionScanSeconds: 3600 } } });
    await scenario.addPeople(['keep', 'deleted', 'mover']);
    await runOnce(scenario.agent);
    expect((await scenario.users()).filter((user) => user.status === 'active')).toHaveLength(3);
    const firstScan = readAgentState(scenario.agent.config.stateDir)!.lastDeletionScanAt;
    expect(firstScan).not.toBeNull();

    await scenario.ldap(async (client) => {
      await client.del(scenario.dn('deleted'));
      await client.modifyDN(scenario.dn('mover'), `uid=${scenario.name}-mover,ou=people,${world.slapd.suffix}`);
    });
    await runOnce(scenario.agent);

    expect((await scenario.user('deleted'))?.status).toBe('disabled');
    expect((await scenario.user('mover'))?.status).toBe('disabled');
    expect((await scenario.user('keep'))?.status).toBe('active');
    expect(readAgentState(scenario.agent.config.stateDir)!.lastDeletionScanAt).not.toBe(firstScan);
  });
});
