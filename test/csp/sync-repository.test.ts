import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeTenantConsentRequest, findCustomerAccess, insertTenantConsentRequest, recordRelationship, recordTenantConsent } from '../../csp/data/customer-access.ts';
import { countBillableUsers, listCustomerUsers, storeCustomerUsers, type SeenCustomerUser } from '../../csp/data/customer-users.ts';
import { findCustomerById, insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { clearSyncErrors, listSyncErrors, recordSyncError } from '../../csp/data/sync-errors.ts';
import { defaultSyncSettings, readSyncSettings, writeSyncSettings } from '../../csp/data/sync-settings.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

const user = (n: number, overrides: Partial<SeenCustomerUser> = {}): SeenCustomerUser => ({
  objectId: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
  upn: `user${n}@fabrikam.example`,
  mail: `user${n}@fabrikam.example`,
  login: `user${n}`,
  displayName: `User ${n}`,
  accountEnabled: true,
  skuIds: [],
  serviceUser: false,
  serviceReason: null,
  lastSignInAt: null,
  ...overrides,
});

/** The recurring import's tables (migration 0018) behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP sync repository on %s', (dialect) => {
  let database: TestDatabase;
  let partnerId: string;
  let customerId: string;
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const partner = await insertPartner(database.db, {
      slug: 'alpha', partnerTenantId: '11111111-1111-1111-1111-111111111111', clientId: '22222222-2222-2222-2222-222222222222', clientSecretSealed: 'sealed', accountId: null,
      loginUrl: 'https://login.example', partnerCenterUrl: 'https://pc.example', graphUrl: 'https://graph.example', resellerIds: '[]', includeSubResellers: 0, isDefault: true,
    });
    partnerId = partner!.id;
    const customer = await insertCustomer(database.db, { partnerId, tenantId: '33333333-3333-3333-3333-333333333333', domain: 'fabrikam.onmicrosoft.com', companyName: 'Fabrikam', country: 'DE', email: null, resellerId: null, organizationId: null, source: 'imported' });
    customerId = customer!.id;
  });
  afterAll(async () => {
    await database.drop();
  });

  it('stores users, leaves unchanged ones alone, matches by object id then by the fields in order, removes the gone', async () => {
    const first = await storeCustomerUsers(database.db, customerId, [user(1), user(2), user(3, { serviceUser: true, serviceReason: 'none of the billing licences' })], ['upn', 'mail'], at(0));
    expect(first).toEqual({ created: 3, updated: 0, unchanged: 0, removed: 0, rematched: 0 });
    expect(await countBillableUsers(database.db, customerId)).toBe(2);
    const again = await storeCustomerUsers(database.db, customerId, [user(1), user(2), user(3, { serviceUser: true, serviceReason: 'none of the billing licences' })], ['upn', 'mail'], at(1));
    expect(again).toEqual({ created: 0, updated: 0, unchanged: 3, removed: 0, rematched: 0 });

    const rows = await listCustomerUsers(database.db, customerId);
    const row2 = rows.find((row) => row.upn === 'user2@fabrikam.example')!;
    // User 2 made again (new object id, same UPN); user 3 renamed (new UPN) but same mail, and made again; user 1 gone.
    const seen = [user(20, { upn: 'user2@fabrikam.example', mail: null }), user(30, { upn: 'renamed@fabrikam.example', mail: 'USER3@fabrikam.example' })];
    const third = await storeCustomerUsers(database.db, customerId, seen, ['upn', 'mail'], at(2));
    expect(third).toEqual({ created: 0, updated: 2, unchanged: 0, removed: 1, rematched: 2 });
    const after = await listCustomerUsers(database.db, customerId);
    expect(after.map((row) => [row.upn, row.matchedBy])).toEqual([['renamed@fabrikam.example', 'mail'], ['user2@fabrikam.example', 'upn']]);
    expect(after.find((row) => row.upn === 'user2@fabrikam.example')!.id).toBe(row2.id);

    // With only `login` configured, a new UPN and mail but the same login still matches.
    const fourth = await storeCustomerUsers(database.db, customerId, [user(40, { upn: 'x@fabrikam.example', mail: null, login: 'user20' }), user(30, { upn: 'renamed@fabrikam.example', mail: 'user3@fabrikam.example' })], ['login'], at(3));
    expect(fourth).toMatchObject({ created: 0, rematched: 1, removed: 0 });
  });

  it('records errors once per customer, step and code, counting repeats and keeping the first time; a step that works clears its errors', async () => {
    const customer = { id: customerId, domain: 'fabrikam.onmicrosoft.com' };
    await recordSyncError(database.db, { partnerId, customer, step: 'users', code: 'AADSTS65001', message: 'first', remediation: 'consent' }, at(0));
    await recordSyncError(database.db, { partnerId, customer, step: 'users', code: 'AADSTS65001', message: 'second', remediation: 'consent' }, at(5));
    await recordSyncError(database.db, { partnerId, step: 'relationships', code: 'Authorization_RequestDenied', message: 'partner-level', remediation: null }, at(6));
    const errors = await listSyncErrors(database.db, partnerId);
    expect(errors.map((error) => [error.customerDomain, error.step, error.code, error.count, error.message, error.firstSeenAt, error.lastSeenAt])).toEqual([
      [null, 'relationships', 'Authorization_RequestDenied', 1, 'partner-level', at(6).toISOString(), at(6).toISOString()],
      ['fabrikam.onmicrosoft.com', 'users', 'AADSTS65001', 2, 'second', at(0).toISOString(), at(5).toISOString()],
    ]);
    await Promise.all([1, 2, 3].map((n) => recordSyncError(database.db, { partnerId, customer, step: 'users', code: 'AADSTS65001', message: `race ${n}`, remediation: null }, at(7))));
    expect((await listSyncErrors(database.db, partnerId)).find((error) => error.step === 'users')!.count).toBe(5);
    await clearSyncErrors(database.db, partnerId, customerId, 'users');
    await clearSyncErrors(database.db, partnerId, undefined, 'relationships');
    expect(await listSyncErrors(database.db, partnerId)).toEqual([]);
  });

  it('settings default until written, then round-trip', async () => {
    expect(await readSyncSettings(database.db, partnerId)).toEqual(defaultSyncSettings);
    const settings = { matchFields: ['login', 'upn'] as const, ignoreAccountEnabled: true, billingGroup: 'Staff', billingSkuIds: ['6FD2C87F-B296-42F0-B197-1E91E994B900'], signInActivity: true };
    await writeSyncSettings(database.db, partnerId, settings, at(0));
    await writeSyncSettings(database.db, partnerId, settings, at(1));
    expect(await readSyncSettings(database.db, partnerId)).toEqual({ ...settings, matchFields: ['login', 'upn'], billingSkuIds: ['6fd2c87f-b296-42f0-b197-1e91e994b900'] });
  });

  it('records the relationship (GDAP needs consent; a granted consent stays), and takes a consent link once', async () => {
    await recordRelationship(database.db, customerId, { relationship: 'dap', gdapRelationshipId: null, gdapStatus: null, gdapRoleIds: [], gdapEndsAt: null }, at(0));
    expect((await findCustomerAccess(database.db, customerId))?.consentState).toBe('not-needed');
    await recordRelationship(database.db, customerId, { relationship: 'gdap', gdapRelationshipId: 'r1', gdapStatus: 'active', gdapRoleIds: ['a'], gdapEndsAt: null }, at(1));
    expect(await findCustomerAccess(database.db, customerId)).toMatchObject({ relationship: 'gdap', consentState: 'needed', gdapRoleIds: '["a"]' });
    expect((await findCustomerById(database.db, customerId))?.relationship).toBe('gdap');
    await recordTenantConsent(database.db, customerId, { granted: true, error: null }, at(2));
    await recordRelationship(database.db, customerId, { relationship: 'gdap', gdapRelationshipId: 'r1', gdapStatus: 'active', gdapRoleIds: ['a'], gdapEndsAt: null }, at(3));
    expect((await findCustomerAccess(database.db, customerId))?.consentState).toBe('granted');

    await insertTenantConsentRequest(database.db, { stateHash: 'h1', customerId, startedBy: 'cli:root', expiresAt: at(60) }, at(0));
    const taken = await Promise.all([consumeTenantConsentRequest(database.db, 'h1', at(1)), consumeTenantConsentRequest(database.db, 'h1', at(1))]);
    expect(taken.filter(Boolean)).toEqual([{ customerId, startedBy: 'cli:root' }]);
    await insertTenantConsentRequest(database.db, { stateHash: 'h2', customerId, startedBy: 'cli:root', expiresAt: at(60) }, at(0));
    expect(await consumeTenantConsentRequest(database.db, 'h2', at(61))).toBeUndefined();
  });
});
