import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeConsentRequest, insertConsentRequest } from '../../csp/data/consent-requests.ts';
import { findPartnerBySlug, insertPartner, listPartners, listPartnersToRenew, recordTokenFailure, storeRefreshToken, type NewPartner } from '../../csp/data/partners.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

const partner = (slug: string, isDefault: boolean): NewPartner => testPartner(slug, { isDefault });

/** CSP partners and consent requests behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP partner repositories on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('adds partners with unique slugs and keeps at most one default', async () => {
    const first = await insertPartner(database.db, partner('alpha', true), new Date('2030-01-01T00:00:00Z'));
    expect(first).toMatchObject({ slug: 'alpha', isDefault: 1, tokenState: 'no-consent', licenceCapPerCustomer: -1, tokenStorage: 'database' });
    expect(await insertPartner(database.db, partner('alpha', false))).toBeUndefined();
    await insertPartner(database.db, partner('beta', true));
    const listed = await listPartners(database.db);
    expect(listed.map((p) => [p.slug, p.isDefault])).toEqual([['alpha', 0], ['beta', 1]]);
  });

  it('stores a refresh token, rotates it only while the redeemed one is still stored, and records failures', async () => {
    const { id } = (await findPartnerBySlug(database.db, 'alpha'))!;
    expect(await storeRefreshToken(database.db, id, { sealed: 'rt1', replacing: null, consentUpn: 'admin@partner', obtained: true }, new Date('2030-01-01T00:00:00Z'))).toBe(true);
    expect(await storeRefreshToken(database.db, id, { sealed: 'rt2', replacing: 'rt1', obtained: false }, new Date('2030-01-02T00:00:00Z'))).toBe(true);
    // A second node that redeemed rt1 too loses: rt2 stays.
    expect(await storeRefreshToken(database.db, id, { sealed: 'rt2-other', replacing: 'rt1', obtained: false })).toBe(false);
    expect(await findPartnerBySlug(database.db, 'alpha')).toMatchObject({
      refreshTokenSealed: 'rt2',
      consentUpn: 'admin@partner',
      tokenState: 'valid',
      refreshTokenObtainedAt: '2030-01-01T00:00:00.000Z',
      refreshTokenRotatedAt: '2030-01-02T00:00:00.000Z',
      refreshTokenLastUsedAt: '2030-01-02T00:00:00.000Z',
    });
    expect((await listPartnersToRenew(database.db, new Date('2030-01-03T00:00:00Z'))).map((p) => p.slug)).toEqual(['alpha']);
    expect(await listPartnersToRenew(database.db, new Date('2030-01-02T00:00:00Z'))).toEqual([]);

    // A node that redeemed rt1 (already rotated away) records nothing over rt2.
    expect(await recordTokenFailure(database.db, id, { state: 'revoked', code: 'AADSTS70000', message: 'used', dropToken: true, redeemed: 'rt1' })).toBe(false);
    expect(await findPartnerBySlug(database.db, 'alpha')).toMatchObject({ refreshTokenSealed: 'rt2', tokenState: 'valid' });
    expect(await recordTokenFailure(database.db, id, { state: 'revoked', code: 'AADSTS50173', message: 'revoked', dropToken: true, redeemed: 'rt2' })).toBe(true);
    expect(await findPartnerBySlug(database.db, 'alpha')).toMatchObject({ refreshTokenSealed: null, tokenState: 'revoked', tokenErrorCode: 'AADSTS50173' });
  });

  it('consumes a consent request once and never after it expires', async () => {
    const { id } = (await findPartnerBySlug(database.db, 'beta'))!;
    const base = { partnerId: id, verifierSealed: 'v', startedBy: 'cli:root', createdAt: '2030-01-01T00:00:00.000Z', expiresAt: '2030-01-01T00:10:00.000Z' };
    await insertConsentRequest(database.db, { ...base, stateHash: 'h1' });
    await insertConsentRequest(database.db, { ...base, stateHash: 'h2' });
    const taken = await consumeConsentRequest(database.db, 'h1', new Date('2030-01-01T00:05:00Z'));
    expect(taken).toMatchObject({ partnerId: id, startedBy: 'cli:root', consumedAt: '2030-01-01T00:05:00.000Z' });
    expect(await consumeConsentRequest(database.db, 'h1', new Date('2030-01-01T00:05:01Z'))).toBeUndefined();
    expect(await consumeConsentRequest(database.db, 'h2', new Date('2030-01-01T00:10:00Z'))).toBeUndefined();
    expect(await consumeConsentRequest(database.db, 'unknown', new Date('2030-01-01T00:01:00Z'))).toBeUndefined();
  });
});
