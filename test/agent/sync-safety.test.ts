import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { confirmPendingDeletions, getAgentStatus, setDeletionGuardThreshold } from '../../agent/server/admin.ts';
import { readAgentState } from '../../agent/state.ts';
import { runSync } from '../../agent/sync.ts';
import { dialects } from '../harness/databases.ts';
import { type AgentSetup, quietLogger, setupAgent, useAgentTestWorld } from './agent-fixture.ts';
import { createScenario } from './scenario.ts';

/**
 * Threats: a scope mistake (wrong OU, broken filter) that would disable a whole company; a
 * restarted agent re-reading everything or missing changes; two agents applying the same
 * directory at once. Invariants: the guard stops mass disabling until an admin confirms; state in
 * stateDir makes a restart resume with a delta; one sync per organization at a time.
 */
const run = (agent: AgentSetup) => runSync({ config: agent.config, bindPassword: agent.secrets.bindPassword, api: agent.api, logger: quietLogger });
const execFileAsync = promisify(execFile);

describe.each(dialects)('sync safety on %s', (dialect) => {
  const world = useAgentTestWorld(dialect);

  it('stops at the deletion guard and disables nothing until an admin confirms', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await setDeletionGuardThreshold(world.database.db, scenario.organization.slug, 2);
    await scenario.addPeople(['p1', 'p2', 'p3', 'p4']);
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', created: 4 });
    const checkpointBefore = readAgentState(scenario.agent.config.stateDir)?.checkpoint;

    await scenario.ldap(async (client) => {
      for (const uid of ['p1', 'p2', 'p3']) await client.del(scenario.dn(uid));
    });
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'guarded', disabled: 0 });
    expect((await scenario.users()).every((user) => user.status === 'active')).toBe(true);
    expect(readAgentState(scenario.agent.config.stateDir)?.checkpoint).toEqual(checkpointBefore);
    const guarded = await getAgentStatus(world.database.db, scenario.organization.slug);
    expect(guarded.lastSync?.outcome).toBe('guarded');
    expect(guarded.deletionGuard).toEqual({ threshold: 2, pendingDeletions: 3, confirmedDeletions: null });

    // Still guarded on the next run without confirmation.
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'guarded' });
    expect(await confirmPendingDeletions(world.database.db, scenario.organization.slug)).toEqual({ confirmed: 3 });
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', disabled: 3 });
    expect((await scenario.users()).map((user) => user.status)).toEqual(['disabled', 'disabled', 'disabled', 'active']);
    const after = await getAgentStatus(world.database.db, scenario.organization.slug);
    expect(after.deletionGuard).toEqual({ threshold: 2, pendingDeletions: null, confirmedDeletions: null });
    await expect(confirmPendingDeletions(world.database.db, scenario.organization.slug)).rejects.toMatchObject({ code: 'SYNC_NO_PENDING_DELETIONS' });
  });

  it('a restarted agent (the real CLI, --once) resumes from stateDir with a delta', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await scenario.addPeople(['r1', 'r2']);
    const cli = () => execFileAsync(process.execPath, ['bin/lanyard-agent.mjs', 'run', '--once', '--config', scenario.agent.configFile]);

    await cli();
    let status = await getAgentStatus(world.database.db, scenario.organization.slug);
    expect(status.lastSync).toMatchObject({ mode: 'full', outcome: 'success', counts: { created: 2 } });
    const saved = readAgentState(scenario.agent.config.stateDir);
    expect(saved?.checkpoint?.value).toMatch(/^\d{14}Z$/);

    await scenario.addPeople(['r3']);
    await cli();
    status = await getAgentStatus(world.database.db, scenario.organization.slug);
    expect(status.lastSync).toMatchObject({ mode: 'delta', outcome: 'success', counts: { created: 1 } });
    expect((await scenario.users()).map((user) => user.upn.split('@')[0])).toEqual(['r1', 'r2', 'r3']);
    expect(status.syncCount).toBe(2);
  });

  it('two agents of one organization never sync at the same time; either can take over', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    const second = await setupAgent(world.database.db, scenario.organization, world.node, world.slapd, { name: 'agent-2', ldap: { baseDns: [scenario.ou] } });
    await scenario.addPeople(['t1', 't2']);

    // Agent 1 holds the lease (a run in progress): agent 2's run is skipped, not run twice.
    const held = await scenario.agent.api.startRun('full');
    expect(await run(second)).toMatchObject({ outcome: 'skipped' });
    expect(await scenario.users()).toEqual([]);
    let status = await getAgentStatus(world.database.db, scenario.organization.slug);
    expect(status.syncing?.agentId).toBe(scenario.agent.agentId);

    await scenario.agent.api.failRun(held.runId, { code: 'TEST_ABORTED', message: 'aborted by the test' });
    expect(await run(second)).toMatchObject({ outcome: 'success', mode: 'full', created: 2 });
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', mode: 'full', created: 0, unchanged: 2 });
    status = await getAgentStatus(world.database.db, scenario.organization.slug);
    expect(status.syncing).toBeNull();
    expect(status.lastSync?.agentId).toBe(scenario.agent.agentId);
    expect(status.agents.map((agent) => agent.name)).toEqual(['agent-1', 'agent-2']);
  });
});
