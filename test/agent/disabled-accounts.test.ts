import { describe, expect, it } from 'vitest';
import { dialects } from '../harness/databases.ts';
import { useAgentTestWorld } from './agent-fixture.ts';
import { createScenario } from './scenario.ts';

/**
 * An account disabled in Active Directory (userAccountControl ACCOUNTDISABLE, mapped by the agent
 * to `enabled: false`) is disabled in Lanyard with the same batch, and enabled again when the
 * directory enables it: the directory is the authority for its accounts.
 */
describe.each(dialects)('directory-disabled accounts on %s', (dialect) => {
  const world = useAgentTestWorld(dialect);

  it('follows the enabled flag of each pushed entry', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    const entry = { anchor: '3ab39606-c642-489b-84b6-58c038d3ef39', dn: `cn=jane,${scenario.ou}`, upn: `jane@${scenario.domain}`, displayName: 'Jane', givenName: null, surname: null, mail: null };
    const push = async (enabled: boolean | undefined) => {
      const { runId } = await scenario.agent.api.startRun('full');
      const result = await scenario.agent.api.pushBatch(runId, { entries: [enabled === undefined ? entry : { ...entry, enabled }] });
      await scenario.agent.api.completeRun(runId, [], null);
      return result;
    };

    expect(await push(undefined)).toMatchObject({ created: 1 });
    expect((await scenario.user('jane'))?.status).toBe('active');
    expect(await push(false)).toMatchObject({ updated: 1 });
    expect((await scenario.user('jane'))?.status).toBe('disabled');
    expect(await push(false)).toMatchObject({ unchanged: 1 });
    expect(await push(true)).toMatchObject({ updated: 1 });
    expect((await scenario.user('jane'))?.status).toBe('active');
  });
});
