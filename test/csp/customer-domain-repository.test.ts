import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findCustomerDomain,
  insertCustomerDomain,
  listCustomerDomains,
  listDomainsDue,
  markDomainVerified,
  recordDomainFailure,
  retryDelaySeconds,
  type CustomerSelection,
} from '../../csp/data/customer-domains.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);

/** Customers' domains behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP customer domain repository on %s', (dialect) => {
  let database: TestDatabase;
  let alpha: string;
  let beta: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const partner = await insertPartner(database.db, testPartner('alpha', { isDefault: true }));
    const customer = (n: number, name: string) =>
      insertCustomer(database.db, { partnerId: partner!.id, tenantId: `3333333${n}-3333-3333-3333-333333333333`, domain: `${name}.onmicrosoft.com`, companyName: name, country: 'DE', email: null, resellerId: null, organizationId: null, source: 'created' });
    alpha = (await customer(1, 'alpha'))!.id;
    beta = (await customer(2, 'beta'))!.id;
  });
  afterAll(async () => {
    await database.drop();
  });

  it('adds a domain once, whichever customer asks, in lower case and unverified', async () => {
    const added = await insertCustomerDomain(database.db, { customerId: alpha, domain: 'Alpha.test' }, at(0));
    expect(added).toMatchObject({ domain: 'alpha.test', state: 'unverified', attempts: 0, nextAttemptAt: null, lastError: null });
    expect(await insertCustomerDomain(database.db, { customerId: beta, domain: 'alpha.TEST' }, at(1))).toBeUndefined();
    expect((await findCustomerDomain(database.db, ' ALPHA.test '))?.id).toBe(added!.id);
    expect((await listCustomerDomains(database.db, alpha)).map((row) => row.domain)).toEqual(['alpha.test']);
  });

  it('lists due domains oldest first, up to the limit, of the selected customers only', async () => {
    for (let index = 1; index <= 4; index++) await insertCustomerDomain(database.db, { customerId: beta, domain: `beta${index}.test` }, at(10 + index));
    expect((await listDomainsDue(database.db, { now: at(100), limit: 3 })).map((row) => row.domain)).toEqual(['alpha.test', 'beta1.test', 'beta2.test']);
    const onlyAlpha: CustomerSelection = (eb) => eb('customerId', '=', alpha);
    expect((await listDomainsDue(database.db, { now: at(100), limit: 50, selection: onlyAlpha })).map((row) => row.domain)).toEqual(['alpha.test']);
  });

  it('backs a failing domain off exponentially, keeping its last error, by compare-and-set', async () => {
    const row = (await findCustomerDomain(database.db, 'beta1.test'))!;
    expect(await recordDomainFailure(database.db, row, { code: 'CSP_DOMAIN_VERIFICATION_FAILED', message: 'TXT MS=ms1 missing; the resolver saw nothing', zone: null }, at(100))).toBe(true);
    // The same read row again: someone else's attempt was already counted.
    expect(await recordDomainFailure(database.db, row, { code: 'X', message: 'stale', zone: null }, at(100))).toBe(false);
    const once = (await findCustomerDomain(database.db, 'beta1.test'))!;
    expect(once).toMatchObject({ state: 'unverified', attempts: 1, lastErrorCode: 'CSP_DOMAIN_VERIFICATION_FAILED', lastError: 'TXT MS=ms1 missing; the resolver saw nothing', nextAttemptAt: at(100 + 300).toISOString() });
    expect((await listDomainsDue(database.db, { now: at(399), limit: 50 })).map((row) => row.domain)).not.toContain('beta1.test');
    expect((await listDomainsDue(database.db, { now: at(400), limit: 50 })).map((row) => row.domain)).toContain('beta1.test');

    await recordDomainFailure(database.db, once, { code: 'CSP_DOMAIN_VERIFICATION_FAILED', message: 'again', zone: 'beta1.test' }, at(400));
    expect((await findCustomerDomain(database.db, 'beta1.test'))!).toMatchObject({ attempts: 2, zone: 'beta1.test', nextAttemptAt: at(400 + 600).toISOString() });
    expect([1, 2, 3, 10, 20].map(retryDelaySeconds)).toEqual([300, 600, 1200, 86_400, 86_400]);
  });

  it('a final refusal moves the domain to failed, which is no longer due', async () => {
    const row = (await findCustomerDomain(database.db, 'beta2.test'))!;
    await recordDomainFailure(database.db, row, { code: 'GRAPH_REQUEST_FAILED', message: 'taken by another tenant', zone: null, final: true }, at(200));
    expect((await findCustomerDomain(database.db, 'beta2.test'))!).toMatchObject({ state: 'failed', attempts: 1, nextAttemptAt: null });
    expect((await listDomainsDue(database.db, { now: at(10_000_000), limit: 50 })).map((row) => row.domain)).not.toContain('beta2.test');
  });

  it('marks a domain verified once, clearing its error', async () => {
    const row = (await findCustomerDomain(database.db, 'beta1.test'))!;
    expect(await markDomainVerified(database.db, row.id, 'beta1.test', at(2000))).toBe(true);
    expect(await markDomainVerified(database.db, row.id, 'beta1.test', at(2001))).toBe(false);
    expect((await findCustomerDomain(database.db, 'beta1.test'))!).toMatchObject({ state: 'verified', verifiedAt: at(2000).toISOString(), lastError: null, lastErrorCode: null, nextAttemptAt: null, attempts: 2 });
  });
});
