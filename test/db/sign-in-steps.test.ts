import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../../core/db/database.ts';
import { insertDomain } from '../../core/db/domains.ts';
import { isFamiliarAddress, recordFamiliarAddress } from '../../core/db/familiar-addresses.ts';
import { replaceMfaCredential } from '../../core/db/mfa-credentials.ts';
import { insertOrganization } from '../../core/db/organizations.ts';
import {
  completeSignInRequest,
  findOpenSignInRequest,
  insertSignInRequest,
  recordMfaStep,
  recordPasswordStep,
  replaceSignInRequest,
} from '../../core/db/sign-in-requests.ts';
import { insertUser } from '../../core/db/users.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/**
 * The sign-in request's steps are compare-and-set on the state the caller read (id, version, user):
 * each test reads a state on one connection and races or changes it on a second one ("two nodes"),
 * on SQLite and on PostgreSQL. Also the bounded list of familiar addresses.
 */
describe.each(dialects)('sign-in request steps on %s', (dialect) => {
  let database: TestDatabase;
  let secondNode: OpenedDatabase;
  let domainId: string;
  const now = new Date('2026-03-01T10:00:00.000Z');

  async function addUser(id: string): Promise<void> {
    const organization = (await database.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow()).id;
    const at = now.toISOString();
    await insertUser(database.db, {
      id, organizationId: organization, upn: `${id}@contoso.com`, immutableId: id, displayName: null, givenName: null, surname: null, mail: null,
      source: 'local', externalId: null, status: 'active', passwordHash: null, microsoftObjectId: null, createdAt: at, updatedAt: at,
    });
  }

  async function newRequest(id: string) {
    await insertSignInRequest(database.db, {
      id, domainId, protocol: 'wsfed', payload: '{}', csrfToken: 'x', userId: null, passwordAt: null, mfaAt: null,
      createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString(), completedAt: null,
    });
    return (await findOpenSignInRequest(database.db, id, now))!;
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    secondNode = openDatabase(database.url);
    const organization = await insertOrganization(database.db, { slug: 'contoso', name: 'Contoso' });
    domainId = (await insertDomain(database.db, { organizationId: organization.id, name: 'contoso.com', issuerUri: 'https://idp/federation/contoso.com' })).id;
    for (const id of ['alice', 'mallory']) await addUser(id);
  });
  afterAll(async () => {
    await secondNode.close();
    await database.drop();
  });

  it('records one password step of two racing ones, and none on a request that already has a user', async () => {
    const read = await newRequest('p'.repeat(32));
    const results = await Promise.all([
      recordPasswordStep(database.db, read, 'alice', now.toISOString()),
      recordPasswordStep(secondNode.db, read, 'mallory', now.toISOString()),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const after = (await findOpenSignInRequest(database.db, read.id, now))!;
    expect(after.version).toBe(read.version + 1);
    expect(await recordPasswordStep(secondNode.db, after, 'alice', now.toISOString())).toBe(false);
  });

  it('records the MFA step only for the verified user and credential, on the state read', async () => {
    const alice = await replaceMfaCredential(database.db, 'alice', 'sealed', { confirmed: true });
    const mallory = await replaceMfaCredential(database.db, 'mallory', 'sealed', { confirmed: true });
    const started = await newRequest('m'.repeat(32));
    expect(await recordPasswordStep(database.db, started, 'alice', now.toISOString())).toBe(true);
    const read = (await findOpenSignInRequest(database.db, started.id, now))!;

    // Another user's proof, a credential of someone else, and the state before the password step: refused.
    expect(await recordMfaStep(secondNode.db, read, { userId: 'mallory', credentialId: mallory.id, step: 1 }, now.toISOString())).toBe(false);
    expect(await recordMfaStep(secondNode.db, read, { userId: 'alice', credentialId: mallory.id, step: 1 }, now.toISOString())).toBe(false);
    expect(await recordMfaStep(secondNode.db, started, { userId: 'alice', credentialId: alice.id, step: 1 }, now.toISOString())).toBe(false);
    expect((await findOpenSignInRequest(database.db, read.id, now))!.mfaAt).toBeNull();

    const proof = { userId: 'alice', credentialId: alice.id, step: 1 };
    const racing = await Promise.all([recordMfaStep(database.db, read, proof, now.toISOString()), recordMfaStep(secondNode.db, read, proof, now.toISOString())]);
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect(await findOpenSignInRequest(database.db, read.id, now)).toMatchObject({ userId: 'alice', mfaAt: now.toISOString(), mfaCredentialId: alice.id });
  });

  it('completes only the exact state that was read', async () => {
    const read = await newRequest('c'.repeat(32));
    expect(await recordPasswordStep(secondNode.db, read, 'mallory', now.toISOString())).toBe(true);
    expect(await completeSignInRequest(database.db, read, now)).toBe(false);
    const current = (await findOpenSignInRequest(database.db, read.id, now))!;
    const results = await Promise.all([completeSignInRequest(database.db, current, now), completeSignInRequest(secondNode.db, current, now)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('replaces a request by a new one, closing the old one, unless it was completed', async () => {
    const old = await newRequest('o'.repeat(32));
    const replacement = { ...old, id: 'n'.repeat(32), userId: 'alice', passwordAt: now.toISOString(), version: 0 };
    expect(await replaceSignInRequest(secondNode.db, old.id, replacement, now)).toBe(true);
    expect(await findOpenSignInRequest(database.db, old.id, now)).toBeUndefined();
    expect(await findOpenSignInRequest(database.db, replacement.id, now)).toMatchObject({ userId: 'alice' });
    expect(await replaceSignInRequest(database.db, old.id, { ...replacement, id: 'x'.repeat(32) }, now)).toBe(false);
    expect(await findOpenSignInRequest(database.db, 'x'.repeat(32), now)).toBeUndefined();
  });

  it('keeps the most recently seen familiar addresses of an account, up to the bound', async () => {
    for (const [index, address] of ['10.0.0.1', '10.0.0.2', '10.0.0.3'].entries()) {
      await recordFamiliarAddress(index % 2 ? secondNode.db : database.db, 'alice', address, 2, new Date(now.getTime() + index * 1000));
    }
    expect(await isFamiliarAddress(database.db, 'alice', '10.0.0.1')).toBe(false);
    expect(await isFamiliarAddress(database.db, 'alice', '10.0.0.3')).toBe(true);
    // Seeing an address again refreshes it, so the least recently seen one goes.
    await recordFamiliarAddress(database.db, 'alice', '10.0.0.2', 2, new Date(now.getTime() + 5000));
    await recordFamiliarAddress(secondNode.db, 'alice', '10.0.0.4', 2, new Date(now.getTime() + 6000));
    expect(await isFamiliarAddress(secondNode.db, 'alice', '10.0.0.2')).toBe(true);
    expect(await isFamiliarAddress(secondNode.db, 'alice', '10.0.0.3')).toBe(false);
    expect(await isFamiliarAddress(database.db, 'mallory', '10.0.0.2')).toBe(false);
    expect(await isFamiliarAddress(database.db, undefined, '10.0.0.2')).toBe(false);
  });
});
