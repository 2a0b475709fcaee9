import { Migrator, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../core/db/database.ts';
import { insertCustomerDomain, markDomainVerified } from '../../csp/data/customer-domains.ts';
import { allMigrations } from '../../server/modules.ts';
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

  it('migration 0027 records a zone whose verified domains are one customer\'s as that customer\'s, and leaves a shared one unowned', async () => {
    const before = await createTestDatabase(dialect, { migrate: false });
    try {
      const names = Object.keys(allMigrations).sort();
      const previous = names[names.indexOf('0027-csp-dns-zone-owners') - 1]!;
      const migrator = new Migrator({ db: before.db as unknown as Kysely<unknown>, provider: { getMigrations: async () => ({ ...allMigrations }) }, migrationTableName: 'lanyard_migrations', migrationLockTableName: 'lanyard_migrations_lock' });
      expect((await migrator.migrateTo(previous)).error).toBeUndefined();
      const partner = await insertPartner(before.db, testPartner('gamma', { isDefault: true }));
      const customer = async (n: number) => (await insertCustomer(before.db, { partnerId: partner!.id, tenantId: `5555555${n}-5555-5555-5555-555555555555`, domain: `c${n}.onmicrosoft.com`, companyName: `c${n}`, country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' }))!.id;
      const [one, two] = [await customer(1), await customer(2)];
      const verified = async (customerId: string, domain: string, zone: string) => {
        const row = (await insertCustomerDomain(before.db, { customerId, domain }, at))!;
        await markDomainVerified(before.db, row.id, zone, at);
      };
      await verified(one, 'one.test', 'one.test');
      await verified(one, 'shop.one.test', 'one.test');
      await verified(one, 'shared.test', 'shared.test');
      await verified(two, 'two.shared.test', 'shared.test');
      await insertCustomerDomain(before.db, { customerId: two, domain: 'pending.test' }, at);
      await migrateToLatest(before.db, allMigrations);
      expect(await listDnsZoneOwners(before.db)).toEqual([{ zone: 'one.test', customerId: one, claimedBy: 'migration:0027', claimedAt: at.toISOString() }]);
    } finally {
      await before.drop();
    }
  });
});
