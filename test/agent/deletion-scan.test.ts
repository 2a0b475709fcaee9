import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Attribute, Change } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../agent/config.ts';
import { deletionScanDue, readAgentState, writeAgentState } from '../../agent/state.ts';
import { runSync } from '../../agent/sync.ts';
import { dialects } from '../harness/databases.ts';
import { type AgentSetup, quietLogger, useAgentTestWorld } from './agent-fixture.ts';
import { createScenario } from './scenario.ts';

/**
 * Threat: the scan for deletions is O(directory) and ran on every delta, so at short intervals
 * it delayed every change. The fixed-rate loop now runs it every `deletionScanSeconds`; the risk
 * is the opposite one, deletions never detected. Invariants: a delta of the loop between scans
 * applies changes without scanning; the time of the last scan survives a restart (it lives in
 * stateDir, so a restarted loop does not rescan at once, nor skip scans forever); once due, the
 * scan disables deleted entries; a full sync, and any run outside the loop (`run --once`:
 * test/security/agent-once-deletions.test.ts), always detects deletions.
 */
const execFileAsync = promisify(execFile);
/** A run of the fixed-rate loop, the one caller that may defer the scan (runtime.ts). */
const run = (agent: AgentSetup) => runSync({ config: agent.config, bindPassword: agent.secrets.bindPassword, api: agent.api, logger: quietLogger, deletionScan: 'when-due' });
const cliOnce = (agent: AgentSetup) => execFileAsync(process.execPath, ['bin/lanyard-agent.mjs', 'run', '--once', '--config', agent.configFile]);

describe('when a deletion scan is due', () => {
  const config = (deletionScanSeconds: number, intervalSeconds = 60) =>
    parseAgentConfig({ server: 'https://idp.example.com', ldap: { url: 'ldap://dc1:389', bindDn: 'cn=x', baseDns: ['dc=x'] }, stateDir: '/tmp/unused', intervalSeconds, deletionScanSeconds });
  const now = new Date('2026-01-01T12:00:00Z');
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

  it('defaults to 60 s, which on the default 60 s interval means every run, as before', () => {
    expect(config(60).deletionScanSeconds).toBe(60);
    expect(parseAgentConfig({ server: 'https://x', ldap: { url: 'ldap://dc1:389', bindDn: 'x', baseDns: ['dc=x'] }, stateDir: '/x' }).deletionScanSeconds).toBe(60);
    // A run starting a little early or late than exactly one interval after the last scan still scans.
    expect(deletionScanDue(ago(59), config(60), now)).toBe(true);
    expect(deletionScanDue(ago(61), config(60), now)).toBe(true);
  });

  it('skips the scan on short intervals until deletionScanSeconds have passed', () => {
    expect(deletionScanDue(ago(2), config(60, 2), now)).toBe(false);
    expect(deletionScanDue(ago(58), config(60, 2), now)).toBe(false);
    expect(deletionScanDue(ago(59), config(60, 2), now)).toBe(true);
  });

  it('scans when no scan is recorded, when the clock went back, and on every run with 0', () => {
    expect(deletionScanDue(null, config(3600), now)).toBe(true);
    expect(deletionScanDue(new Date(now.getTime() + 60_000).toISOString(), config(3600), now)).toBe(true);
    expect(deletionScanDue('not a date', config(3600), now)).toBe(true);
    expect(deletionScanDue(ago(0), config(0, 1), now)).toBe(true);
  });

  it('refuses a negative deletionScanSeconds, naming the key', () => {
    expect(() => config(-1)).toThrow(/agent config deletionScanSeconds/);
  });
});

describe.each(dialects)('deletion scan interval against slapd on %s', (dialect) => {
  const world = useAgentTestWorld(dialect);

  it('applies changes without scanning between scans, across a restart, and disables deletions once the scan is due', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { agent: { config: { deletionScanSeconds: 3600 } } });
    await scenario.addPeople(['a1', 'a2', 'a3']);
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', mode: 'full', created: 3, deletionScan: true });
    const afterFull = readAgentState(scenario.agent.config.stateDir)!;
    expect(afterFull.lastDeletionScanAt).not.toBeNull();

    await scenario.ldap(async (client) => {
      await client.del(scenario.dn('a1'));
      await client.modify(scenario.dn('a2'), new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Renamed a2'] }) }));
    });
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', mode: 'delta', updated: 1, disabled: 0, deletionScan: false });
    expect((await scenario.user('a2'))?.displayName).toBe('Renamed a2');
    expect((await scenario.user('a1'))?.status).toBe('active');
    expect(readAgentState(scenario.agent.config.stateDir)?.lastDeletionScanAt).toBe(afterFull.lastDeletionScanAt);

    // A restarted loop reads the last scan time from stateDir: still not due.
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', mode: 'delta', deletionScan: false });
    expect((await scenario.user('a1'))?.status).toBe('active');
    expect(readAgentState(scenario.agent.config.stateDir)?.lastDeletionScanAt).toBe(afterFull.lastDeletionScanAt);

    // An hour later (the recorded scan moved back), the loop scans and disables a1.
    const state = readAgentState(scenario.agent.config.stateDir)!;
    writeAgentState(scenario.agent.config.stateDir, { ...state, lastDeletionScanAt: new Date(Date.now() - 3_601_000).toISOString() });
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', mode: 'delta', disabled: 1, deletionScan: true });
    expect((await scenario.user('a1'))?.status).toBe('disabled');
    expect((await scenario.users()).filter((user) => user.status === 'active').map((user) => user.upn.split('@')[0])).toEqual(['a2', 'a3']);
    const scanned = readAgentState(scenario.agent.config.stateDir)!.lastDeletionScanAt!;
    expect(Date.parse(scanned)).toBeGreaterThan(Date.parse(afterFull.lastDeletionScanAt!));
  });

  it('a full sync detects deletions even when a scan is not due', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { agent: { config: { deletionScanSeconds: 3600 } } });
    await scenario.addPeople(['f1', 'f2']);
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', mode: 'full', created: 2 });
    await scenario.ldap((client) => client.del(scenario.dn('f1')));

    // No usable checkpoint (as after a scope change): the next run is full, with a fresh scan time.
    const state = readAgentState(scenario.agent.config.stateDir)!;
    writeAgentState(scenario.agent.config.stateDir, { ...state, checkpoint: null, lastDeletionScanAt: new Date().toISOString() });
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', mode: 'full', disabled: 1, deletionScan: true });
    expect((await scenario.user('f1'))?.status).toBe('disabled');
  });

  it('reads a state file written before deletionScanSeconds existed and scans on its next delta', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { agent: { config: { deletionScanSeconds: 3600 } } });
    await scenario.addPeople(['o1', 'o2']);
    await run(scenario.agent);
    await scenario.ldap((client) => client.del(scenario.dn('o1')));
    const { lastDeletionScanAt: _dropped, ...older } = readAgentState(scenario.agent.config.stateDir)!;
    writeAgentState(scenario.agent.config.stateDir, older as Parameters<typeof writeAgentState>[1]);
    expect(await run(scenario.agent)).toMatchObject({ outcome: 'success', mode: 'delta', disabled: 1, deletionScan: true });
  });
});
