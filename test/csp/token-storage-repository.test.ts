import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countPartnerCustomers,
  deletePartnerWithoutCustomers,
  findPartnerBySlug,
  insertPartner,
  listPartnersToRenew,
  markNotifiedState,
  moveTokenStorage,
  recordTokenFailure,
  storeRefreshToken,
  updatePartner,
  type NewPartner,
} from '../../csp/data/partners.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

const partner = (slug: string, isDefault = false): NewPartner => testPartner(slug, { isDefault });

const keyVault = { secretUrl: 'https://vault.example/secrets/rt', tenantId: '33333333-3333-3333-3333-333333333333', clientId: '44444444-4444-4444-4444-444444444444', clientSecretSealed: 'kv-sealed' };

/** Migration 0014's columns and the compare-and-sets built on them, the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP token storage repositories on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('moves the token to Key Vault and back by compare-and-set on the handle read', async () => {
    const { id } = (await insertPartner(database.db, partner('mover')))!;
    expect(await storeRefreshToken(database.db, id, { sealed: 'db-1', hash: 'h1', obtained: true })).toBe(true);
    // A stale handle (another node rotated meanwhile) moves nothing.
    expect(await moveTokenStorage(database.db, id, { storage: 'database', handle: 'db-0' }, { storage: 'key-vault', ...keyVault, version: 'v1' }, 'h1')).toBe(false);
    expect(await moveTokenStorage(database.db, id, { storage: 'database', handle: 'db-1' }, { storage: 'key-vault', ...keyVault, version: 'v1' }, 'h1')).toBe(true);
    let row = (await findPartnerBySlug(database.db, 'mover'))!;
    expect(row).toMatchObject({ tokenStorage: 'key-vault', refreshTokenSealed: null, keyVaultSecretVersion: 'v1', keyVaultSecretUrl: keyVault.secretUrl, keyVaultClientSecretSealed: 'kv-sealed', refreshTokenHash: 'h1' });
    // A database write no longer lands while the token lives in Key Vault.
    expect(await storeRefreshToken(database.db, id, { sealed: 'db-2', obtained: true })).toBe(false);
    expect(await moveTokenStorage(database.db, id, { storage: 'key-vault', handle: 'v1' }, { storage: 'database', sealed: 'db-3' }, 'h3')).toBe(true);
    row = (await findPartnerBySlug(database.db, 'mover'))!;
    expect(row).toMatchObject({ tokenStorage: 'database', refreshTokenSealed: 'db-3', keyVaultSecretVersion: null, keyVaultSecretUrl: null, keyVaultClientSecretSealed: null, refreshTokenHash: 'h3' });
  });

  it('rotates a Key Vault token only while the version redeemed is still the one recorded', async () => {
    const { id } = (await insertPartner(database.db, partner('vaulted')))!;
    await moveTokenStorage(database.db, id, { storage: 'database', handle: null }, { storage: 'key-vault', ...keyVault, version: null }, null);
    expect(await storeRefreshToken(database.db, id, { sealed: null, keyVaultVersion: 'v1', hash: 'h1', replacingVersion: null, obtained: true })).toBe(true);
    expect(await storeRefreshToken(database.db, id, { sealed: null, keyVaultVersion: 'v2', hash: 'h2', replacingVersion: 'v1', obtained: false })).toBe(true);
    // The loser of a race redeemed v1 too: its v3 is not recorded, and its failure on v1 changes nothing.
    expect(await storeRefreshToken(database.db, id, { sealed: null, keyVaultVersion: 'v3', hash: 'h3', replacingVersion: 'v1', obtained: false })).toBe(false);
    expect(await recordTokenFailure(database.db, id, { state: 'revoked', code: 'AADSTS70000', message: 'used', dropToken: true, redeemedVersion: 'v1' })).toBe(false);
    expect((await findPartnerBySlug(database.db, 'vaulted'))!).toMatchObject({ keyVaultSecretVersion: 'v2', refreshTokenHash: 'h2', tokenState: 'valid' });
    expect((await listPartnersToRenew(database.db, new Date('2999-01-01T00:00:00Z'))).map((p) => p.slug)).toContain('vaulted');
    expect(await recordTokenFailure(database.db, id, { state: 'expired', code: 'AADSTS700082', message: 'expired', dropToken: true, redeemedVersion: 'v2' })).toBe(true);
    expect((await findPartnerBySlug(database.db, 'vaulted'))!).toMatchObject({ keyVaultSecretVersion: null, refreshTokenHash: null, tokenState: 'expired', tokenErrorCode: 'AADSTS700082' });
  });

  it('records the state told to the admins once per change (compare-and-set)', async () => {
    const { id } = (await insertPartner(database.db, partner('notified')))!;
    expect(await markNotifiedState(database.db, id, null, 'revoked')).toBe(true);
    expect(await markNotifiedState(database.db, id, null, 'revoked')).toBe(false);
    expect(await markNotifiedState(database.db, id, 'revoked', null)).toBe(true);
    expect((await findPartnerBySlug(database.db, 'notified'))!.notifiedState).toBeNull();
  });

  it('changes settings in one transaction, keeping one default, and deletes only a partner without customers', async () => {
    const first = (await insertPartner(database.db, partner('first', true)))!;
    const second = (await insertPartner(database.db, { ...partner('second'), adminEmails: '["a@example.com"]', licenceCapPerCustomer: 5 }))!;
    expect(second).toMatchObject({ adminEmails: '["a@example.com"]', licenceCapPerCustomer: 5, notifiedState: null, clientSecretExpiresAt: null });
    const changed = await updatePartner(database.db, second.id, { licenceCapPerCustomer: -1, clientSecretExpiresAt: '2031-01-01T00:00:00.000Z', isDefault: true });
    expect(changed).toMatchObject({ licenceCapPerCustomer: -1, clientSecretExpiresAt: '2031-01-01T00:00:00.000Z', isDefault: 1 });
    expect((await findPartnerBySlug(database.db, 'first'))!.isDefault).toBe(0);
    expect(await updatePartner(database.db, 'no-such-id', { licenceCapPerCustomer: 1 })).toBeUndefined();

    await insertCustomer(database.db, { partnerId: first.id, tenantId: '55555555-5555-5555-5555-555555555555', domain: 'fabrikam.onmicrosoft.com', companyName: 'Fabrikam', country: null, email: null, resellerId: null, organizationId: null, source: 'imported' });
    expect(await countPartnerCustomers(database.db, first.id)).toBe(1);
    expect(await deletePartnerWithoutCustomers(database.db, first.id)).toBe('has-customers');
    expect(await deletePartnerWithoutCustomers(database.db, second.id)).toBe('deleted');
    expect(await deletePartnerWithoutCustomers(database.db, second.id)).toBe('gone');
  });
});
