import { Migrator, type Kysely } from 'kysely';
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

/**
 * An upgrade of a database that holds data: migrated one step at a time from the first migration,
 * with representative rows written after the first step and after every later step that adds
 * tables (each in the shape of its own version), then to the latest through the product's own
 * path. Invariant: every row is still there as written, and the columns added later hold their
 * defaults. A migration that rewrites or drops a table, or adds a NOT NULL column without a default,
 * fails here on the dialect it breaks.
 */
describe.each(dialects)('upgrading a database with data on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => { database = await createTestDatabase(dialect, { migrate: false }); });
  afterAll(async () => { await database.drop(); });

  const at = '2025-06-01T10:00:00.000Z';
  const later = '2025-06-02T10:00:00.000Z';
  // Rows in the shape of the version that added their table (not today's Database type), by table.
  const rowsAfter: Record<string, Record<string, Array<Record<string, unknown>>>> = {
    '0001-initial': {
      organizations: [{ id: 'org-1', slug: 'contoso', name: 'Contoso', mfaPolicy: 'required', createdAt: at }],
      domains: [{ id: 'dom-1', organizationId: 'org-1', name: 'contoso.com', issuerUri: 'https://idp.test/contoso.com', protocol: 'saml2', mfaBehavior: 'enforce', requireSignedRequests: 1, createdAt: at }],
      users: [{ id: 'user-1', organizationId: 'org-1', upn: 'amy@contoso.com', immutableId: 'aW1tdXRhYmxl', displayName: 'Amy', givenName: 'Amy', surname: 'Adams', mail: 'amy@contoso.com', source: 'directory', externalId: 'ext-1', status: 'active', passwordHash: '$argon2id$hash', microsoftObjectId: 'obj-1', createdAt: at, updatedAt: at }],
      mfaCredentials: [{ id: 'mfa-1', userId: 'user-1', encryptedSecret: 'sealed', lastUsedStep: 12345, confirmedAt: at, createdAt: at }],
      ssoSessions: [{ id: 'session-1', userId: 'user-1', createdAt: at, passwordAt: at, mfaAt: at, lastSeenAt: at, expiresAt: later, endedAt: null, clientAddress: '192.0.2.1' }],
      signInRequests: [{ id: 'request-1', domainId: 'dom-1', protocol: 'wsfed', payload: '{"wa":"wsignin1.0"}', csrfToken: 'csrf', userId: 'user-1', passwordAt: at, mfaAt: null, createdAt: at, expiresAt: later, completedAt: null }],
      signingKeys: [{ id: 'key-1', state: 'active', encryptedPrivateKey: 'sealed-key', certificate: 'MIIC', thumbprint: 'ab12', notBefore: at, notAfter: later, createdAt: at, activatedAt: at, retiredAt: null }],
      throttleCounters: [{ key: 'user:amy@contoso.com', windowStartedAt: at, failures: 3 }],
      auditEvents: [{ id: 'audit-1', occurredAt: at, actor: 'cli', action: 'org.create', target: 'contoso', outcome: 'success', reason: null, clientAddress: null, details: '{"name":"Contoso"}' }],
    },
    '0002-directory-agents': {
      directoryAgents: [{ id: 'agent-1', organizationId: 'org-1', name: 'dc01', keyHash: 'hash', createdAt: at }],
      directorySyncStates: [{ organizationId: 'org-1', lastSyncAgentId: 'agent-1', lastSyncMode: 'delta', lastSyncOutcome: 'success', syncCount: 7, deletionThreshold: 50 }],
      passThroughRequests: [{ id: 'pass-1', organizationId: 'org-1', userId: 'user-1', externalId: 'ext-1', upn: 'amy@contoso.com', sealedPassword: null, createdAt: at, expiresAt: later, result: 'accepted' }],
    },
    '0003-tenant-connections': {
      tenantConnections: [{ organizationId: 'org-1', tenantId: 'tenant-1', clientId: 'client-1', clientSecretEncrypted: 'sealed-secret', connectedAt: at, updatedAt: at }],
      domainFederations: [{ domainId: 'dom-1', organizationId: 'org-1', tenantId: 'tenant-1', federatedAt: at, updatedAt: at }],
    },
    '0004-provisioning': {
      provisioningSettings: [{ organizationId: 'org-1', autoProvisioning: 1, deletionThreshold: 20, defaultLicences: '[{"skuId":"e3"}]', updatedAt: at }],
      provisioningRuns: [{ id: 'run-1', organizationId: 'org-1', kind: 'export', trigger: 'cli', requestedBy: 'cli', status: 'completed', phase: 'done', dryRun: 0, confirmed: 0, attempts: 1, total: 1, processed: 1, counts: '{"created":1}', throttledCount: 2, createdAt: at, finishedAt: later }],
      provisioningResults: [{ runId: 'run-1', subject: 'amy@contoso.com', userId: 'user-1', microsoftObjectId: 'obj-1', outcome: 'created', recordedAt: at }],
      activationTokens: [{ tokenHash: 'token-hash', userId: 'user-1', createdAt: at, expiresAt: later }],
    },
    '0006-api-tokens': {
      apiTokens: [{ id: 'api-1', organizationId: 'org-1', name: 'hr-system', tokenHash: 'api-hash', createdAt: at }],
    },
    '0008-sign-in-state': {
      familiarAddresses: [{ userId: 'user-1', address: '192.0.2.1', firstSeenAt: at, lastSeenAt: later }],
    },
    '0024-organization-logos': {
      organizationLogos: [{ organizationId: 'org-1', contentType: 'image/png', sha256: 'ab'.repeat(32), width: 64, height: 32, bytesBase64: 'iVBORw0KGgo=', uploadedAt: at, uploadedBy: 'cli' }],
    },
    '0010-jobs': {
      jobs: [{ id: 'job-1', kind: 'provisioning.run', key: 'provisioning-run:run-1', payload: '{"runId":"run-1"}', state: 'succeeded', runAt: at, attempts: 1, maxAttempts: 5, createdAt: at, finishedAt: later }],
    },
  };
  /** Columns added after their table, with the value a row written before them must show. */
  const addedLater: Record<string, Record<string, unknown>> = {
    users: { usageLocation: null },
    signInRequests: { version: 0, mfaCredentialId: null },
  };

  it('migrates step by step from the first migration to the last, keeping every row', async () => {
    // The tables of older versions are not today's Database type.
    const db = database.db as unknown as Kysely<any>;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...allMigrations }) }, migrationTableName: 'lanyard_migrations', migrationLockTableName: 'lanyard_migrations_lock' });
    const names = Object.keys(allMigrations).sort();
    expect(names[0]).toBe('0001-initial');
    for (const rowsName of Object.keys(rowsAfter)) expect(names).toContain(rowsName);
    const insert = async (name: string) => {
      for (const [table, rows] of Object.entries(rowsAfter[name] ?? {})) await db.insertInto(table).values(rows).execute();
    };
    // Every step but the last one by name; the last through migrateToLatest, as `lanyard serve` does.
    for (const name of names.slice(0, -1)) {
      const { error, results } = await migrator.migrateTo(name);
      expect(error, name).toBeUndefined();
      expect(results?.every((result) => result.status === 'Success'), name).toBe(true);
      await insert(name);
    }
    expect(await migrateToLatest(database.db, allMigrations)).toEqual(names.slice(-1));
    await insert(names.at(-1)!);
    expect(await migrateToLatest(database.db, allMigrations)).toEqual([]);

    for (const tables of Object.values(rowsAfter)) {
      for (const [table, rows] of Object.entries(tables)) {
        const stored = await db.selectFrom(table).selectAll().execute();
        expect(stored, table).toHaveLength(rows.length);
        for (const row of rows) expect(stored, table).toContainEqual(expect.objectContaining({ ...row, ...addedLater[table] }));
      }
    }
  });
});
