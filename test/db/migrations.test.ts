import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMigrations } from '../../server/modules.ts';
import { migrateToLatest } from '../../core/db/database.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

describe.each(dialects)('migrations on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => { database = await createTestDatabase(dialect); });
  afterAll(async () => { await database.drop(); });

  it('creates every table and is idempotent on a second run', async () => {
    const tables = (await database.db.introspection.getTables()).map((table) => table.name);
    for (const table of ['organizations', 'domains', 'users', 'mfa_credentials', 'sso_sessions', 'sign_in_requests', 'signing_keys', 'throttle_counters', 'audit_events']) {
      expect(tables).toContain(table);
    }
    expect(await migrateToLatest(database.db, allMigrations)).toEqual([]);
  });

  it('enforces unique UPN and immutable ID', async () => {
    const now = new Date().toISOString();
    await database.db.insertInto('organizations').values({ id: 'o1', slug: 'contoso', name: 'Contoso', mfaPolicy: 'required', createdAt: now }).execute();
    const user = { organizationId: 'o1', upn: 'a@contoso.com', immutableId: 'abc', displayName: null, givenName: null, surname: null, mail: null, source: 'local' as const, externalId: null, status: 'active' as const, passwordHash: null, microsoftObjectId: null, createdAt: now, updatedAt: now };
    await database.db.insertInto('users').values({ ...user, id: 'u1' }).execute();
    await expect(database.db.insertInto('users').values({ ...user, id: 'u2', immutableId: 'other' }).execute()).rejects.toThrow();
    await expect(database.db.insertInto('users').values({ ...user, id: 'u3', upn: 'b@contoso.com' }).execute()).rejects.toThrow();
  });
});
