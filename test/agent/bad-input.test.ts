import { describe, expect, it } from 'vitest';
import { createAgentApi } from '../../agent/api-client.ts';
import { parseAgentConfig } from '../../agent/config.ts';
import { getAgentStatus, revokeAgent } from '../../agent/server/admin.ts';
import { runSync } from '../../agent/sync.ts';
import { freePort } from '../harness/free-port.ts';
import { dialects } from '../harness/databases.ts';
import { quietLogger, useAgentTestWorld } from './agent-fixture.ts';
import { createScenario } from './scenario.ts';

/**
 * Threats: a broken or hostile push half-applying a batch; a revoked agent still writing users;
 * directory outages and bad credentials going unnoticed. Invariants: every failure has a stable
 * code in the agent's error and in Lanyard's agent status, and a refused batch writes nothing.
 */
describe.each(dialects)('agent bad input on %s', (dialect) => {
  const world = useAgentTestWorld(dialect);

  it('an unreachable directory fails with LDAP_UNREACHABLE, shown in the agent status', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    const config = parseAgentConfig({ ...scenario.agent.config, ldap: { ...scenario.agent.config.ldap, url: `ldap://127.0.0.1:${await freePort()}` } });
    await expect(runSync({ config, bindPassword: scenario.agent.secrets.bindPassword, api: scenario.agent.api, logger: quietLogger })).rejects.toMatchObject({ code: 'LDAP_UNREACHABLE' });
    const [agent] = (await getAgentStatus(world.database.db, scenario.organization.slug)).agents;
    expect(agent?.lastError?.code).toBe('LDAP_UNREACHABLE');
  });

  it('bad bind credentials fail with LDAP_BIND_FAILED; the next good sync clears the error', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await expect(runSync({ config: scenario.agent.config, bindPassword: 'wrong', api: scenario.agent.api, logger: quietLogger })).rejects.toMatchObject({ code: 'LDAP_BIND_FAILED' });
    expect((await getAgentStatus(world.database.db, scenario.organization.slug)).agents[0]?.lastError?.code).toBe('LDAP_BIND_FAILED');
    await runSync({ config: scenario.agent.config, bindPassword: scenario.agent.secrets.bindPassword, api: scenario.agent.api, logger: quietLogger });
    expect((await getAgentStatus(world.database.db, scenario.organization.slug)).agents[0]?.lastError).toBeNull();
  });

  it('a revoked agent key is refused with AGENT_KEY_REVOKED; a forged key with AGENT_KEY_INVALID', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await scenario.addPeople(['rv1']);
    await revokeAgent(world.database.db, scenario.agent.agentId);
    await expect(runSync({ config: scenario.agent.config, bindPassword: scenario.agent.secrets.bindPassword, api: scenario.agent.api, logger: quietLogger })).rejects.toMatchObject({ code: 'AGENT_KEY_REVOKED', status: 401 });
    expect(await scenario.users()).toEqual([]);
    const forged = scenario.agent.secrets.agentKey.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    await expect(createAgentApi(world.node.url, forged).whoami()).rejects.toMatchObject({ code: 'AGENT_KEY_INVALID', status: 401 });
    await expect(createAgentApi(world.node.url, 'not-a-key').whoami()).rejects.toMatchObject({ code: 'AGENT_KEY_INVALID' });
    const response = await fetch(`${world.node.url}/agent/v1/whoami`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'AGENT_KEY_MISSING' } });
  });

  it('a malformed push is refused whole with AGENT_PUSH_INVALID and writes nothing', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    const { runId } = await scenario.agent.api.startRun('full');
    const good = { anchor: '3ab39606-c642-489b-84b6-58c038d3ef39', dn: `uid=g,${scenario.ou}`, upn: `g@${scenario.domain}`, displayName: null, givenName: null, surname: null, mail: null };
    const post = (body: string, contentType = 'application/json') =>
      fetch(`${world.node.url}/agent/v1/sync/runs/${runId}/batches`, { method: 'POST', headers: { authorization: `Bearer ${scenario.agent.secrets.agentKey}`, 'content-type': contentType }, body });

    const cases = [
      JSON.stringify({ entries: [good, { ...good, anchor: 'not-a-guid', upn: `b@${scenario.domain}` }] }),
      JSON.stringify({ entries: [good, { ...good, isAdmin: true }] }),
      JSON.stringify({ entries: [good], extra: 1 }),
      '{"entries": [',
    ];
    for (const body of cases) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'AGENT_PUSH_INVALID' } });
    }
    expect((await post(JSON.stringify({ entries: [good] }), 'text/plain')).status).toBe(415);
    const huge = JSON.stringify({ entries: [], rejected: [], padding: 'x'.repeat(9 * 1024 * 1024) });
    expect((await post(huge)).status).toBe(413);
    expect(await scenario.users()).toEqual([]);

    // The same run still accepts a well-formed batch afterwards.
    expect(await scenario.agent.api.pushBatch(runId, { entries: [good] })).toMatchObject({ created: 1, failed: [] });
    expect((await scenario.users()).map((user) => user.immutableId)).toEqual(['BpazOkLGm0iEtljAONPvOQ==']);
  });

  it('a push for a run the agent does not hold is refused', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await expect(scenario.agent.api.pushBatch('00000000-0000-0000-0000-000000000000', { entries: [] })).rejects.toMatchObject({ code: 'SYNC_RUN_UNKNOWN', status: 409 });
  });
});
