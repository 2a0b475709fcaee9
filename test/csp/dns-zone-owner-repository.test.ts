import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCustomer } from '../../csp/data/customers.ts';
import { claimDnsZone, findDnsZoneOwner, listDnsZoneClaimsAround, listDnsZoneOwners, releaseDnsZone } from '../../csp/data/dns-zone-owners.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

const at = new Date('2030-01-01T00:00:00.000Z');

/** Hosted zones' owners behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP DNS zone owner repository on %s', (dialect) => {
  let database: TestDatabase;
  let alpha: string;
  let beta: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const partner = await insertPartner(database.db, testPartner('alpha', { isDefault: true }));
    const customer = (n: number, name: string) =>
      insertCustomer(database.db, { partnerId: partner!.id, tenantId: `4444444${n}-4444-4444-4444-444444444444`, domain: `${name}.onmicrosoft.com`, companyName: name, country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' });
    alpha = (await customer(1, 'alpha'))!.id;
    beta = (await customer(2, 'beta'))!.id;
  });
  afterAll(async () => {
    await database.drop();
  });

  it('claims a zone once: the first claim wins, a second for another customer gets the owner back', async () => {
    expect(await claimDnsZone(database.db, { zone: 'alpha.test', customerId: alpha, claimedBy: 'cli' }, at)).toMatchObject({ claimed: true, owner: { zone: 'alpha.test', customerId: alpha, claimedBy: 'cli', claimedAt: at.toISOString() } });
    expect(await claimDnsZone(database.db, { zone: 'alpha.test', customerId: beta, claimedBy: 'user:pat@host.com' }, at)).toMatchObject({ claimed: false, owner: { customerId: alpha, claimedBy: 'cli' } });
    expect(await findDnsZoneOwner(database.db, 'alpha.test')).toMatchObject({ customerId: alpha });
    expect(await findDnsZoneOwner(database.db, 'beta.test')).toBeUndefined();
  });

  it('finds the claims around and inside a zone, and nothing that only looks alike', async () => {
    await claimDnsZone(database.db, { zone: 'eu.alpha.test', customerId: beta, claimedBy: 'cli' }, at);
    await claimDnsZone(database.db, { zone: 'xalpha.test', customerId: beta, claimedBy: 'cli' }, at);
    await claimDnsZone(database.db, { zone: 'a_b.test', customerId: beta, claimedBy: 'cli' }, at);
    const zonesAround = async (zone: string) => (await listDnsZoneClaimsAround(database.db, zone)).map((claim) => claim.zone);
    expect(await zonesAround('alpha.test')).toEqual(['alpha.test', 'eu.alpha.test']);
    expect(await zonesAround('shop.eu.alpha.test')).toEqual(['alpha.test', 'eu.alpha.test']);
    expect(await zonesAround('test')).toEqual(['a_b.test', 'alpha.test', 'eu.alpha.test', 'xalpha.test']);
    // `_` and `%` are not wildcards.
    expect(await zonesAround('axb.test')).toEqual([]);
    expect(await zonesAround('lpha.test')).toEqual([]);
  });

  it('lists and releases claims', async () => {
    expect((await listDnsZoneOwners(database.db)).map((claim) => claim.zone)).toEqual(['a_b.test', 'alpha.test', 'eu.alpha.test', 'xalpha.test']);
    expect(await releaseDnsZone(database.db, 'eu.alpha.test')).toBe(true);
    expect(await releaseDnsZone(database.db, 'eu.alpha.test')).toBe(false);
    expect(await claimDnsZone(database.db, { zone: 'eu.alpha.test', customerId: alpha, claimedBy: 'cli' }, at)).toMatchObject({ claimed: true, owner: { customerId: alpha } });
  });
});
