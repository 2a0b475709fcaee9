import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgent } from '../../agent/server/admin.ts';
import { acquireSyncLease, findSyncState, renewSyncLease } from '../../agent/server/data/directory-sync-states.ts';
import { openDatabase, type OpenedDatabase } from '../../core/db/database.ts';
import { claimPassThroughRequests, insertPassThroughRequest } from '../../agent/server/data/pass-through-requests.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { createContoso } from './agent-fixture.ts';

/**
 * The two places where nodes race: the per-organization sync lease and the claim of a
 * pass-through request. Each is tried at once from two connection pools ("nodes") on the same
 * database; exactly one must win.
 */
describe.each(dialects)('agent repositories on %s', (dialect) => {
  let database: TestDatabase;
  let other: OpenedDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    other = openDatabase(database.url);
  });
  afterAll(async () => {
    await other?.close();
    await database?.drop();
  });

  it('grants the sync lease to one agent at a time, and again once it expired', async () => {
    const organization = await createContoso(database.db, [`lease-${randomUUID().slice(0, 8)}.test`]);
    const [first, second] = await Promise.all([
      registerAgent(database.db, organization.slug, 'one'),
      registerAgent(database.db, organization.slug, 'two'),
    ]);
    const now = new Date();
    const later = new Date(now.getTime() + 60_000);
    for (let round = 0; round < 5; round++) {
      await database.db.updateTable('directorySyncStates').set({ leaseAgentId: null, leaseRunId: null, leaseExpiresAt: null }).where('organizationId', '=', organization.id).execute();
      const results = await Promise.all([
        acquireSyncLease(database.db, organization.id, first.agent.id, randomUUID(), 'full', later, now),
        acquireSyncLease(other.db, organization.id, second.agent.id, randomUUID(), 'full', later, now),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    const state = await findSyncState(database.db, organization.id);
    const holder = state!.leaseAgentId === first.agent.id ? second : first;
    expect(await acquireSyncLease(database.db, organization.id, holder.agent.id, randomUUID(), 'delta', later, now)).toBe(false);
    // After expiry anyone may take it, and the old run can no longer renew.
    const afterExpiry = new Date(later.getTime() + 1000);
    expect(await acquireSyncLease(database.db, organization.id, holder.agent.id, randomUUID(), 'delta', new Date(afterExpiry.getTime() + 60_000), afterExpiry)).toBe(true);
    expect(await renewSyncLease(database.db, organization.id, state!.leaseRunId!, new Date(afterExpiry.getTime() + 120_000), afterExpiry)).toBe(false);
  });

  it('hands each pass-through request to exactly one agent and clears the sealed password', async () => {
    const organization = await createContoso(database.db, [`claim-${randomUUID().slice(0, 8)}.test`]);
    const userId = randomUUID();
    const now = new Date();
    await database.db.insertInto('users').values({
      id: userId, organizationId: organization.id, upn: `${userId}@claim.test`, immutableId: userId, displayName: null, givenName: null, surname: null, mail: null,
      source: 'directory', externalId: '3ab39606-c642-489b-84b6-58c038d3ef39', status: 'active', passwordHash: null, microsoftObjectId: null, createdAt: now.toISOString(), updatedAt: now.toISOString(),
    }).execute();
    const ids = Array.from({ length: 8 }, () => randomUUID());
    for (const id of ids) {
      await insertPassThroughRequest(database.db, {
        id, organizationId: organization.id, userId, externalId: '3ab39606-c642-489b-84b6-58c038d3ef39', upn: 'x@claim.test', sealedPassword: `v1.sealed-${id}`,
        createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString(), claimedByAgentId: null, claimedAt: null, result: null, resultCode: null, answeredAt: null,
      });
    }
    const [a, b] = await Promise.all([
      claimPassThroughRequests(database.db, organization.id, 'agent-a', 8, now),
      claimPassThroughRequests(other.db, organization.id, 'agent-b', 8, now),
    ]);
    expect([...a, ...b].map((request) => request.id).sort()).toEqual([...ids].sort());
    expect([...a, ...b].every((request) => request.sealedPassword === `v1.sealed-${request.id}`)).toBe(true);
    const rows = await database.db.selectFrom('passThroughRequests').selectAll().where('organizationId', '=', organization.id).execute();
    expect(rows.every((row) => row.sealedPassword === null && row.claimedAt !== null)).toBe(true);
    expect(await claimPassThroughRequests(database.db, organization.id, 'agent-c', 8, now)).toEqual([]);
  });
});
