import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../agent/runtime.ts';
import { revokeAgent } from '../../agent/server/admin.ts';
import { createPassThroughVerifier } from '../../agent/server/pass-through.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import { countConnectedAgents } from '../../agent/server/data/agents.ts';
import { openDatabase, type OpenedDatabase } from '../../core/db/database.ts';
import type { User } from '../../core/db/schema.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { startSlapd, type SlapdServer } from '../harness/slapd.ts';
import { createContoso, quietLogger, setupAgent, startLanyardNode, type LanyardNode, removeAgentDirs } from './agent-fixture.ts';
import { createScenario, type Scenario } from './scenario.ts';

/**
 * Threats: a password stored or logged by Lanyard; a sign-in hanging when the directory is gone;
 * a request answered by an agent of another organization. Invariants: the directory decides
 * (LDAP bind), the password row is gone after the answer, no agent → AGENT_UNAVAILABLE at once,
 * and it works when the agent polls a different node than the one asking (two "nodes", each with
 * its own connection pool to the same database).
 */
describe.each(dialects)('pass-through sign-in on %s', (dialect) => {
  let database: TestDatabase;
  let secondNodeDatabase: OpenedDatabase;
  let slapd: SlapdServer;
  let nodeA: LanyardNode;
  let nodeB: LanyardNode;
  let scenario: Scenario;
  const agents: RunningAgent[] = [];
  const masterKey = randomBytes(32);

  async function waitForConnectedAgents(organizationId: string, count: number): Promise<void> {
    // Waiting for a state, not asserting on time: the agents connect as soon as their first poll lands.
    while ((await countConnectedAgents(database.db, organizationId)) < count) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async function insertDirectoryUser(organizationId: string): Promise<User> {
    const now = new Date().toISOString();
    const id = randomUUID();
    const user: User = {
      id, organizationId, upn: `${id}@unused.test`, immutableId: id, displayName: null, givenName: null, surname: null, mail: null,
      source: 'directory', externalId: '3ab39606-c642-489b-84b6-58c038d3ef39', status: 'active', passwordHash: null, microsoftObjectId: null, usageLocation: null, createdAt: now, updatedAt: now,
    };
    await database.db.insertInto('users').values(user).execute();
    return user;
  }

  const userOf = async (local: string): Promise<User> => (await scenario.user(local))!;

  beforeAll(async () => {
    [database, slapd] = await Promise.all([createTestDatabase(dialect), startSlapd()]);
    secondNodeDatabase = openDatabase(database.url);
    nodeA = await startLanyardNode(database.db, masterKey);
    nodeB = await startLanyardNode(secondNodeDatabase.db, masterKey);
    scenario = await createScenario(database.db, nodeA, slapd);
    await scenario.addPeople(['pat', 'quinn'], { password: 'correct horse battery' });
    agents.push(startAgent({ config: scenario.agent.config, secrets: scenario.agent.secrets, logger: quietLogger, pollWaitSeconds: 2 }));
    await waitForConnectedAgents(scenario.organization.id, 1);
    while (!(await scenario.user('quinn'))) await new Promise((resolve) => setTimeout(resolve, 20));
  });
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await nodeA?.close();
    await nodeB?.close();
    await secondNodeDatabase?.close();
    await database?.drop();
    await slapd?.stop();
    removeAgentDirs();
  });

  it('accepts the directory password and refuses a wrong or empty one, asked from the other node', async () => {
    const verifier = createPassThroughVerifier({ db: secondNodeDatabase.db, masterKey, timeoutMs: 10_000 });
    const pat = await userOf('pat');
    expect(await verifier.verify(pat, 'correct horse battery')).toBe(true);
    expect(await verifier.verify(pat, 'wrong horse')).toBe(false);
    expect(await verifier.verify(pat, '')).toBe(false);
    expect(await database.db.selectFrom('passThroughRequests').selectAll().execute()).toEqual([]);
  });

  it('keeps the password sealed in the database only until an agent claims it', async () => {
    const organization = await createContoso(database.db, [`manual-${randomBytes(3).toString('hex')}.test`]);
    const manual = await setupAgent(database.db, organization, nodeA, slapd, { name: 'manual' });
    await manual.api.pollPassThrough(0); // connected for a few seconds; this test answers by hand
    const user = await insertDirectoryUser(organization.id);
    const verifier = createPassThroughVerifier({ db: secondNodeDatabase.db, masterKey, timeoutMs: 10_000 });
    const pending = verifier.verify(user, 'hunter2 is my password');

    let row;
    while (!(row = await database.db.selectFrom('passThroughRequests').selectAll().where('organizationId', '=', organization.id).executeTakeFirst())) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(row.sealedPassword).toMatch(/^v1\./);
    expect(row.sealedPassword).not.toContain('hunter2');
    const box = createSecretBox(masterKey);
    expect(box.open(row.sealedPassword!, `pass-through:${row.id}`).toString()).toBe('hunter2 is my password');
    expect(() => box.open(row.sealedPassword!, 'pass-through:another-row')).toThrow();

    const [task] = await manual.api.pollPassThrough(1);
    expect(task).toEqual({ id: row.id, anchor: user.externalId, upn: user.upn, password: 'hunter2 is my password' });
    const claimed = await database.db.selectFrom('passThroughRequests').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(claimed).toMatchObject({ sealedPassword: null, claimedByAgentId: manual.agentId });
    // An agent of another organization cannot answer it.
    await expect(scenario.agent.api.answerPassThrough(row.id, 'valid', null)).rejects.toMatchObject({ code: 'PASS_THROUGH_UNKNOWN' });
    await manual.api.answerPassThrough(row.id, 'invalid', null);
    expect(await pending).toBe(false);
    expect(await database.db.selectFrom('passThroughRequests').selectAll().where('id', '=', row.id).execute()).toEqual([]);
    manual.cleanup();
  });

  it('fails at once with AGENT_UNAVAILABLE when the organization has no connected agent', async () => {
    const lonely = await createContoso(database.db, [`lonely-${randomBytes(3).toString('hex')}.test`]);
    const verifier = createPassThroughVerifier({ db: database.db, masterKey, timeoutMs: 60_000 });
    const user = { id: 'nobody', organizationId: lonely.id, externalId: '3ab39606-c642-489b-84b6-58c038d3ef39', upn: 'nobody@lonely.test' };
    await expect(verifier.verify(user, 'anything')).rejects.toMatchObject({ code: 'AGENT_UNAVAILABLE', status: 503 });
  });

  it('fails with AGENT_UNAVAILABLE when a connected agent does not answer in time', async () => {
    const silentOrganization = await createContoso(database.db, [`silent-${randomBytes(3).toString('hex')}.test`]);
    const silent = await setupAgent(database.db, silentOrganization, nodeA, slapd, { name: 'silent' });
    await silent.api.pollPassThrough(0); // counts as connected for a few seconds, then never polls again
    const user = await insertDirectoryUser(silentOrganization.id);
    const verifier = createPassThroughVerifier({ db: database.db, masterKey, timeoutMs: 300 });
    await expect(verifier.verify(user, 'pw'))
      .rejects.toMatchObject({ code: 'AGENT_UNAVAILABLE' });
    expect(await database.db.selectFrom('passThroughRequests').selectAll().where('organizationId', '=', silentOrganization.id).execute()).toEqual([]);
    silent.cleanup();
  });

  it('a second agent on the other node serves sign-ins, also after the first is revoked', async () => {
    const second = await setupAgent(database.db, scenario.organization, nodeB, slapd, { name: 'agent-2', ldap: { baseDns: [scenario.ou] } });
    agents.push(startAgent({ config: second.config, secrets: second.secrets, logger: quietLogger, pollWaitSeconds: 2 }));
    await waitForConnectedAgents(scenario.organization.id, 2);
    const verifier = createPassThroughVerifier({ db: database.db, masterKey, timeoutMs: 10_000 });
    const pat = await userOf('pat');
    const answers = await Promise.all(Array.from({ length: 6 }, (_, index) => verifier.verify(pat, index % 2 === 0 ? 'correct horse battery' : 'nope')));
    expect(answers).toEqual([true, false, true, false, true, false]);

    await revokeAgent(database.db, scenario.agent.agentId);
    expect(await verifier.verify(pat, 'correct horse battery')).toBe(true);
    await agents[0]!.stop();
  });

  it('a user moved out of the agent scope cannot sign in', async () => {
    await slapd.withAdmin((client) => client.modifyDN(scenario.dn('quinn'), `uid=quinn,${slapd.suffix}`));
    const verifier = createPassThroughVerifier({ db: database.db, masterKey, timeoutMs: 10_000 });
    expect(await verifier.verify(await userOf('quinn'), 'correct horse battery')).toBe(false);
  });
});
