import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useAgentTestWorld } from './agent-fixture.ts';
import { createScenario } from './scenario.ts';

/** `lanyard-agent check` through the real CLI: a clear per-step report and a failing exit code. */
const execFileAsync = promisify(execFile);
const check = async (configFile: string) => {
  try {
    const { stdout } = await execFileAsync(process.execPath, ['bin/lanyard-agent.mjs', 'check', '--json', '--config', configFile]);
    return { code: 0, report: JSON.parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, report: JSON.parse(failed.stdout) };
  }
};

describe('lanyard-agent check', () => {
  const world = useAgentTestWorld('sqlite');

  it('reports bind, search and Lanyard as OK for a working setup', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await scenario.addPeople(['chk']);
    const { code, report } = await check(scenario.agent.configFile);
    expect(code).toBe(0);
    expect(report.steps.map((step: { step: string; ok: boolean }) => [step.step, step.ok])).toEqual([['secrets', true], ['ldap bind', true], ['ldap search', true], ['lanyard', true]]);
    expect(report.steps[2].detail).toContain(`chk@${scenario.domain}`);
  });

  it('names the failing step and its code for a wrong bind password', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    writeFileSync(scenario.agent.config.ldap.bindPasswordFile!, 'wrong\n');
    const { code, report } = await check(scenario.agent.configFile);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.steps.find((step: { step: string }) => step.step === 'ldap bind')).toMatchObject({ ok: false, code: 'LDAP_BIND_FAILED' });
    expect(report.steps.find((step: { step: string }) => step.step === 'lanyard')).toMatchObject({ ok: true });
  });
});
