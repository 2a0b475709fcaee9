/**
 * Threat: learning about another organization's accounts from a refusal. Pushing a directory entry
 * whose anchor is another organization's user's immutable ID answered "already belongs to
 * victim@bravo.test"; import matched (and reported the immutable ID of) another organization's
 * account that held a UPN in this organization's domain.
 * Invariant: a sync or import refusal caused by another organization's record says only that the
 * UPN or immutable ID is taken: no UPN, immutable ID or other field of that record appears in the
 * answer, in the stored run errors, or in the admin API's directory status; and import never
 * matches an account of another organization.
 * Why this way: alpha's agent pushes through the real agent API against bravo's records on both
 * databases, and the whole answer and status are searched for bravo's values; the import decision
 * is checked on the planner that every import page goes through.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { immutableIdFromAnchor } from '../../agent/anchor.ts';
import { createAgentApi } from '../../agent/api-client.ts';
import { getAgentStatus, registerAgent } from '../../agent/server/admin.ts';
import type { User } from '../../core/db/schema.ts';
import type { TenantUserRow } from '../../provisioning/data/tables.ts';
import { addUser } from '../../idp/accounts/users.ts';
import { decideImport, type ImportLookups } from '../../provisioning/import/import-plan.ts';
import { createContoso, startLanyardNode, type LanyardNode } from '../agent/agent-fixture.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

const victimAnchor = '3ab39606-c642-489b-84b6-58c038d3ef39';
const victimImmutableId = immutableIdFromAnchor(victimAnchor);

describe.each(dialects)('sync refusals about another organization on %s', (dialect) => {
  let database: TestDatabase;
  let node: LanyardNode;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    node = await startLanyardNode(database.db, randomBytes(32));
  });
  afterAll(async () => {
    await node?.close();
    await database?.drop();
  });

  it('say only that the immutable ID or UPN is taken', async () => {
    const alpha = await createContoso(database.db, ['alpha.test']);
    const bravo = await createContoso(database.db, ['bravo.test']);
    await addUser(database.db, { upn: 'victim@bravo.test', immutableId: victimImmutableId, displayName: 'Victim Person' }, { actor: 'test', passwordHashCost: 10 });
    // An account of bravo's holding a name in alpha's domain (possible in data from before domains were checked).
    const stray = await addUser(database.db, { upn: 'stray@bravo.test', displayName: 'Stray Person' }, { actor: 'test', passwordHashCost: 10 });
    await database.db.updateTable('users').set({ upn: 'stray@alpha.test' }).where('id', '=', stray.id).execute();

    const { key } = await registerAgent(database.db, alpha.slug, 'dc1');
    const api = createAgentApi(node.url, key);
    const { runId } = await api.startRun('full');
    const entry = { dn: 'uid=x,ou=people,dc=alpha', displayName: null, givenName: null, surname: null, mail: null };
    const result = await api.pushBatch(runId, {
      entries: [
        { ...entry, anchor: victimAnchor, upn: 'impostor@alpha.test' },
        { ...entry, anchor: '7d3f0c4e-1b2a-4c5d-8e9f-0a1b2c3d4e5f', upn: 'stray@alpha.test' },
      ],
    });
    expect(result.failed.map((failure) => failure.code)).toEqual(['SYNC_IMMUTABLE_ID_CONFLICT', 'SYNC_UPN_CONFLICT']);
    await api.completeRun(runId, [], null);
    const status = await getAgentStatus(database.db, alpha.slug);
    expect(status.lastSync?.errors).toHaveLength(2);

    for (const answer of [JSON.stringify(result), JSON.stringify(status)]) {
      for (const secret of ['victim', 'bravo', 'Victim Person', 'Stray Person', stray.immutableId, bravo.id, bravo.slug, 'local']) {
        expect(answer).not.toContain(secret);
      }
    }
  });
});

describe('import refusals about another organization', () => {
  const tenantUser = (upn: string, immutableId: string | null): TenantUserRow => ({
    runId: 'run', objectId: 'object-1', upn, immutableId, displayName: null, givenName: null, surname: null, usageLocation: null, accountEnabled: 1, licenceSkuIds: '[]',
  });
  const bravoAccount = { id: 'bravo-user', organizationId: 'bravo', upn: 'stray@alpha.test', immutableId: 'QnJhdm9JbW11dGFibGVJZA==', source: 'local' } as User;
  const lookups = (byUpn: User[]): ImportLookups => ({
    organizationId: 'alpha',
    organizationDomains: ['alpha.test'],
    tenantDomains: new Map([['alpha.test', { name: 'alpha.test', authenticationType: 'Managed', isVerified: true }]]),
    byImmutableId: new Map(),
    byUpn: new Map(byUpn.map((user) => [user.upn, user])),
  });

  it('never matches another organization\'s account by UPN, and names none of its fields', () => {
    for (const immutableId of [null, 'QWxwaGFUZW5hbnRJZA==']) {
      const decision = decideImport(tenantUser('stray@alpha.test', immutableId), lookups([bravoAccount]));
      expect(decision).toMatchObject({ kind: 'fail', code: 'UPN_TAKEN' });
      expect(JSON.stringify(decision)).not.toContain(bravoAccount.immutableId);
    }
  });
});
