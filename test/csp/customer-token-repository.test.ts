import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  beginCustomerConsentAttempt,
  completeCustomerConsent,
  deleteCustomerToken,
  findCustomerToken,
  findOpenCustomerConsent,
  insertCustomerConsent,
  listCustomerTokensToRenew,
  markCustomerNotifiedState,
  recordCustomerConsentRefusal,
  recordCustomerTokenFailure,
  storeCustomerToken,
  takeCustomerConsentAttempt,
} from '../../csp/data/customer-tokens.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

const keyVault = { storage: 'key-vault' as const, secretUrl: 'https://vault.example/secrets/rt-c', tenantId: '33333333-3333-3333-3333-333333333333', clientId: '44444444-4444-4444-4444-444444444444', clientSecretSealed: 'kv-sealed' };
const minute = 60_000;

/** Migration 0025: a customer's own token and its consent wizard, by compare-and-set, the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP customer token repositories on %s', (dialect) => {
  let database: TestDatabase;
  let customerId: string;
  const t0 = new Date('2026-03-01T10:00:00.000Z');
  const at = (minutes: number) => new Date(t0.getTime() + minutes * minute);

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const partner = (await insertPartner(database.db, testPartner('alpha', { isDefault: true })))!;
    const customer = (await insertCustomer(database.db, { partnerId: partner.id, tenantId: '55555555-5555-5555-5555-555555555555', domain: 'fab.onmicrosoft.com', companyName: 'Fab', country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' }))!;
    customerId = customer.id;
  });
  afterAll(async () => {
    await database.drop();
  });

  it('a consent creates the row; a rotation lands only on the token redeemed; a failure only on the stored one', async () => {
    expect(await storeCustomerToken(database.db, customerId, { sealed: 's1', hash: 'h1', obtained: true, consentUpn: 'admin@fab', target: { storage: 'database' } }, at(0))).toBe(true);
    expect(await findCustomerToken(database.db, customerId)).toMatchObject({ tokenStorage: 'database', refreshTokenSealed: 's1', tokenState: 'valid', consentUpn: 'admin@fab', refreshTokenObtainedAt: at(0).toISOString() });
    expect(await storeCustomerToken(database.db, customerId, { sealed: 's2', hash: 'h2', obtained: false, replacing: 's0' }, at(1))).toBe(false);
    expect(await storeCustomerToken(database.db, customerId, { sealed: 's2', hash: 'h2', obtained: false, replacing: 's1' }, at(1))).toBe(true);
    expect(await storeCustomerToken(database.db, customerId, { sealed: null, keyVaultVersion: 'v1', obtained: false, replacingVersion: null }, at(1))).toBe(false);
    expect(await recordCustomerTokenFailure(database.db, customerId, { state: 'expired', code: 'AADSTS700082', message: 'idle', dropToken: true, redeemed: 's1' }, at(2))).toBe(false);
    expect(await recordCustomerTokenFailure(database.db, customerId, { state: 'revoked', code: 'AADSTS70000', message: 'used', dropToken: false, redeemed: 's2' }, at(2))).toBe(true);
    expect(await findCustomerToken(database.db, customerId)).toMatchObject({ refreshTokenSealed: 's2', tokenState: 'revoked', tokenErrorCode: 'AADSTS70000', refreshTokenRotatedAt: at(1).toISOString() });
  });

  it('a new consent in Key Vault replaces the storage; renewal lists it when idle; notices by compare-and-set', async () => {
    expect(await storeCustomerToken(database.db, customerId, { sealed: null, keyVaultVersion: 'v1', hash: 'h3', obtained: true, target: keyVault }, at(3))).toBe(true);
    expect(await findCustomerToken(database.db, customerId)).toMatchObject({ tokenStorage: 'key-vault', refreshTokenSealed: null, keyVaultSecretVersion: 'v1', keyVaultSecretUrl: keyVault.secretUrl, tokenState: 'valid', tokenErrorCode: null });
    expect(await storeCustomerToken(database.db, customerId, { sealed: null, keyVaultVersion: 'v2', obtained: false, replacingVersion: 'v1' }, at(4))).toBe(true);
    expect((await listCustomerTokensToRenew(database.db, at(4))).map((row) => row.customerId)).toEqual([]);
    expect((await listCustomerTokensToRenew(database.db, at(5))).map((row) => row.customerId)).toEqual([customerId]);
    expect(await markCustomerNotifiedState(database.db, customerId, null, 'expiring', at(5))).toBe(true);
    expect(await markCustomerNotifiedState(database.db, customerId, null, 'expiring', at(5))).toBe(false);
    await recordCustomerConsentRefusal(database.db, customerId, { state: 'mfa-missing', code: 'CSP_MFA_MISSING', message: 'no mfa' }, at(6));
    expect(await findCustomerToken(database.db, customerId)).toMatchObject({ keyVaultSecretVersion: 'v2', tokenState: 'mfa-missing', notifiedState: 'expiring' });
    expect(await deleteCustomerToken(database.db, customerId)).toMatchObject({ keyVaultSecretVersion: 'v2' });
    expect(await findCustomerToken(database.db, customerId)).toBeUndefined();
  });

  it('a wizard attempt is taken once, not after its 10 minutes, and not once the invitation is spent', async () => {
    await insertCustomerConsent(database.db, { invitationHash: 'inv-1', customerId, startedBy: 'test', expiresAt: at(7 * 24 * 60) }, at(0));
    expect(await findOpenCustomerConsent(database.db, 'inv-1', at(1))).toBeTruthy();
    expect(await beginCustomerConsentAttempt(database.db, 'inv-1', { stateHash: 'st-1', verifierSealed: 'ver-1', expiresAt: at(10) }, at(0))).toBe(true);
    // A second visit replaces the first attempt: its state no longer works.
    expect(await beginCustomerConsentAttempt(database.db, 'inv-1', { stateHash: 'st-2', verifierSealed: 'ver-2', expiresAt: at(11) }, at(1))).toBe(true);
    expect(await takeCustomerConsentAttempt(database.db, 'st-1', at(2))).toBeUndefined();
    expect(await takeCustomerConsentAttempt(database.db, 'st-2', at(12))).toBeUndefined();
    expect(await beginCustomerConsentAttempt(database.db, 'inv-1', { stateHash: 'st-3', verifierSealed: 'ver-3', expiresAt: at(23) }, at(13))).toBe(true);
    const [first, second] = await Promise.all([takeCustomerConsentAttempt(database.db, 'st-3', at(14)), takeCustomerConsentAttempt(database.db, 'st-3', at(14))]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect((first ?? second)!).toMatchObject({ verifierSealed: 'ver-3', customerId });
    await completeCustomerConsent(database.db, 'inv-1', at(15));
    expect(await findOpenCustomerConsent(database.db, 'inv-1', at(16))).toBeUndefined();
    expect(await beginCustomerConsentAttempt(database.db, 'inv-1', { stateHash: 'st-4', verifierSealed: 'ver-4', expiresAt: at(26) }, at(16))).toBe(false);
    // An invitation past its 7 days opens nothing.
    await insertCustomerConsent(database.db, { invitationHash: 'inv-2', customerId, startedBy: 'test', expiresAt: at(60) }, at(0));
    expect(await findOpenCustomerConsent(database.db, 'inv-2', at(61))).toBeUndefined();
    expect(await beginCustomerConsentAttempt(database.db, 'inv-2', { stateHash: 'st-5', verifierSealed: 'ver-5', expiresAt: at(70) }, at(61))).toBe(false);
  });
});
