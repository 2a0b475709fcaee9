import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTotpStep, replaceMfaCredential } from '../../core/db/mfa-credentials.ts';
import { openDatabase, type OpenedDatabase } from '../../core/db/database.ts';
import { insertOrganization } from '../../core/db/organizations.ts';
import { completeSignInRequest, insertSignInRequest } from '../../core/db/sign-in-requests.ts';
import { endUserSessions, findLiveSessionWithUser, insertSession } from '../../core/db/sso-sessions.ts';
import { readFailures, recordFailure } from '../../core/db/throttle-counters.ts';
import { insertDomain } from '../../core/db/domains.ts';
import { insertUser } from '../../core/db/users.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/**
 * The state that makes sign-in safe on many nodes lives in the database: single-use TOTP steps,
 * throttling counters, one token per sign-in request, session ends. Each test races two
 * connections (two "nodes") on the same database, on SQLite and on PostgreSQL.
 */
describe.each(dialects)('sign-in state on %s', (dialect) => {
  let database: TestDatabase;
  let secondNode: OpenedDatabase;
  let userId: string;
  let domainId: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    secondNode = openDatabase(database.url);
    const organization = await insertOrganization(database.db, { slug: 'contoso', name: 'Contoso' });
    domainId = (await insertDomain(database.db, { organizationId: organization.id, name: 'contoso.com', issuerUri: 'https://idp/federation/contoso.com' })).id;
    userId = 'user-1';
    const now = new Date().toISOString();
    await insertUser(database.db, {
      id: userId, organizationId: organization.id, upn: 'alice@contoso.com', immutableId: 'AAAA', displayName: null, givenName: null,
      surname: null, mail: null, source: 'local', externalId: null, status: 'active', passwordHash: null, microsoftObjectId: null, createdAt: now, updatedAt: now,
    });
  });
  afterAll(async () => {
    await secondNode.close();
    await database.drop();
  });

  it('accepts each TOTP step once even when two nodes claim it at the same moment', async () => {
    const credential = await replaceMfaCredential(database.db, userId, 'sealed', { confirmed: false });
    const claims = await Promise.all([claimTotpStep(database.db, credential.id, 1000), claimTotpStep(secondNode.db, credential.id, 1000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await claimTotpStep(database.db, credential.id, 999)).toBe(false);
    expect(await claimTotpStep(secondNode.db, credential.id, 1001)).toBe(true);
    const stored = await database.db.selectFrom('mfaCredentials').selectAll().where('id', '=', credential.id).executeTakeFirstOrThrow();
    expect(stored.lastUsedStep).toBe(1001);
    expect(stored.confirmedAt).not.toBeNull();
  });

  it('counts every concurrent failure and starts a new window after the old one ends', async () => {
    const start = new Date('2026-01-01T00:00:00.000Z');
    await Promise.all(Array.from({ length: 10 }, (_, index) => recordFailure(index % 2 ? secondNode.db : database.db, 'address:10.0.0.1', 60, start)));
    expect((await readFailures(database.db, 'address:10.0.0.1', 60, start)).failures).toBe(10);
    const later = new Date(start.getTime() + 61_000);
    expect((await readFailures(database.db, 'address:10.0.0.1', 60, later)).failures).toBe(0);
    await recordFailure(database.db, 'address:10.0.0.1', 60, later);
    expect((await readFailures(database.db, 'address:10.0.0.1', 60, later)).failures).toBe(1);
  });

  it('completes a sign-in request once only', async () => {
    const now = new Date();
    await insertSignInRequest(database.db, {
      id: 'r'.repeat(32), domainId, protocol: 'wsfed', payload: '{}', csrfToken: 'x', userId: null, passwordAt: null, mfaAt: null,
      createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString(), completedAt: null,
    });
    const results = await Promise.all([completeSignInRequest(database.db, { id: 'r'.repeat(32), version: 0 }), completeSignInRequest(secondNode.db, { id: 'r'.repeat(32), version: 0 })]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('ends every live session of a user', async () => {
    const now = new Date();
    const session = (id: string) => ({
      id, userId, createdAt: now.toISOString(), passwordAt: now.toISOString(), mfaAt: null, lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 60_000).toISOString(), endedAt: null, clientAddress: null,
    });
    await insertSession(database.db, session('s1'));
    await insertSession(database.db, session('s2'));
    expect(await findLiveSessionWithUser(secondNode.db, 's1')).toEqual({ session: session('s1'), user: expect.objectContaining({ id: userId, upn: 'alice@contoso.com' }) });
    expect(await findLiveSessionWithUser(database.db, 's1', new Date(now.getTime() + 61_000))).toBeUndefined();
    expect(await endUserSessions(secondNode.db, userId)).toBe(2);
    expect(await findLiveSessionWithUser(database.db, 's1')).toBeUndefined();
    expect(await findLiveSessionWithUser(database.db, 's2')).toBeUndefined();
  });
});
