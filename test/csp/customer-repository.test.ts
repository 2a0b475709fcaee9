import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCustomerByRef, insertCustomer, listCustomers, recordAgreementAcceptance, type NewCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { requireCustomer } from '../../csp/customers/require-customer.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

const tenant = '33333333-3333-3333-3333-333333333333';

/** CSP customers behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP customer repository on %s', (dialect) => {
  let database: TestDatabase;
  let partnerId: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const partner = await insertPartner(database.db, {
      slug: 'alpha',
      partnerTenantId: '11111111-1111-1111-1111-111111111111',
      clientId: '22222222-2222-2222-2222-222222222222',
      clientSecretSealed: 'sealed',
      accountId: null,
      loginUrl: 'https://login.example',
      partnerCenterUrl: 'https://pc.example',
      graphUrl: 'https://graph.example',
      resellerIds: '[]',
      includeSubResellers: 0,
      isDefault: true,
    });
    partnerId = partner!.id;
  });
  afterAll(async () => {
    await database.drop();
  });

  const customer = (overrides: Partial<NewCustomer> = {}): NewCustomer => ({
    partnerId,
    tenantId: tenant,
    domain: 'Fabrikam.onmicrosoft.com',
    companyName: 'Fabrikam',
    country: 'DE',
    email: 'it@fabrikam.example',
    resellerId: null,
    organizationId: null,
    source: 'created',
    ...overrides,
  });

  it('adds a customer once per tenant and per domain, and finds it by tenant id or domain', async () => {
    const added = await insertCustomer(database.db, customer());
    expect(added).toMatchObject({ domain: 'fabrikam.onmicrosoft.com', billingProfile: '{}', agreementAcceptedAt: null });
    expect(await insertCustomer(database.db, customer({ domain: 'other.onmicrosoft.com' }))).toBeUndefined();
    expect(await insertCustomer(database.db, customer({ tenantId: '44444444-4444-4444-4444-444444444444' }))).toBeUndefined();
    expect((await findCustomerByRef(database.db, 'FABRIKAM.onmicrosoft.com'))?.id).toBe(added!.id);
    expect((await findCustomerByRef(database.db, tenant))?.id).toBe(added!.id);
    expect(await findCustomerByRef(database.db, 'nobody.onmicrosoft.com')).toBeUndefined();
    expect((await listCustomers(database.db, partnerId)).map((c) => c.domain)).toEqual(['fabrikam.onmicrosoft.com']);
  });

  it('requires a customer by tenant id or domain, or refuses with CSP_CUSTOMER_NOT_FOUND', async () => {
    expect((await requireCustomer(database.db, ' Fabrikam.onmicrosoft.com ')).tenantId).toBe(tenant);
    await expect(requireCustomer(database.db, 'nobody.onmicrosoft.com')).rejects.toMatchObject({ code: 'CSP_CUSTOMER_NOT_FOUND', status: 404 });
  });

  it('records the Microsoft Customer Agreement acceptance with who and when', async () => {
    const found = await findCustomerByRef(database.db, tenant);
    await recordAgreementAcceptance(database.db, found!.id, { by: 'cli:root', contact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' } }, new Date('2030-01-02T00:00:00Z'));
    const accepted = await findCustomerByRef(database.db, tenant);
    expect(accepted).toMatchObject({ agreementAcceptedAt: '2030-01-02T00:00:00.000Z', agreementAcceptedBy: 'cli:root' });
    expect(JSON.parse(accepted!.agreementContact!)).toEqual({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' });
  });
});
