import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findCustomerByDomain, findCustomerByRef, findCustomerByTenant, insertCustomer, linkCustomerOrganization, listCustomerLicences, listCustomers, recordAgreementAcceptance,
  replaceCustomerLicences, unlinkCustomerOrganization, updateCustomer, type NewCustomer,
} from '../../csp/data/customers.ts';
import { partnerForCustomer, partnerForReseller } from '../../csp/customers/reseller-routing.ts';
import { createOrganization } from '../../idp/accounts/organizations.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { requireCustomer } from '../../csp/customers/require-customer.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

const tenant = '33333333-3333-3333-3333-333333333333';

/** CSP customers behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('CSP customer repository on %s', (dialect) => {
  let database: TestDatabase;
  let partnerId: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const partner = await insertPartner(database.db, testPartner('alpha', { isDefault: true }));
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

  it('finds by tenant (per partner) and by domain, and updates what an import saw', async () => {
    const found = await findCustomerByTenant(database.db, partnerId, tenant.toUpperCase());
    expect(found?.domain).toBe('fabrikam.onmicrosoft.com');
    expect(await findCustomerByTenant(database.db, 'other-partner', tenant)).toBeUndefined();
    expect((await findCustomerByDomain(database.db, 'FABRIKAM.onmicrosoft.com'))?.id).toBe(found!.id);
    const updated = await updateCustomer(database.db, found!.id, { companyName: 'Fabrikam AG', resellerId: 'r-1' }, new Date('2030-02-01T00:00:00Z'));
    expect(updated).toMatchObject({ companyName: 'Fabrikam AG', resellerId: 'r-1', updatedAt: '2030-02-01T00:00:00.000Z', domain: 'fabrikam.onmicrosoft.com' });
  });

  it('links one organization to one customer, by compare-and-set, and unlinks only its own link', async () => {
    const first = await createOrganization(database.db, { slug: 'fabrikam', name: 'Fabrikam' }, 'test');
    const second = await createOrganization(database.db, { slug: 'contoso', name: 'Contoso' }, 'test');
    const other = await insertCustomer(database.db, customer({ tenantId: '55555555-5555-5555-5555-555555555555', domain: 'contoso.onmicrosoft.com' }));
    const fabrikam = (await findCustomerByRef(database.db, tenant))!;
    expect(await linkCustomerOrganization(database.db, fabrikam.id, first.id)).toBe('linked');
    expect(await linkCustomerOrganization(database.db, fabrikam.id, first.id)).toBe('linked');
    expect(await linkCustomerOrganization(database.db, fabrikam.id, second.id)).toBe('moved');
    // The unique index: an organization has one customer.
    expect(await linkCustomerOrganization(database.db, other!.id, first.id)).toBe('taken');
    expect(await unlinkCustomerOrganization(database.db, fabrikam.id, second.id)).toBe(false);
    expect(await unlinkCustomerOrganization(database.db, fabrikam.id, first.id)).toBe(true);
    expect(await linkCustomerOrganization(database.db, other!.id, first.id)).toBe('linked');
  });

  it('replaces a customer\'s licence snapshot: seen SKUs upserted, vanished ones removed', async () => {
    const fabrikam = (await findCustomerByRef(database.db, tenant))!;
    await replaceCustomerLicences(database.db, fabrikam.id, [
      { skuId: 'sku-a', skuPartNumber: 'ENTERPRISEPACK', total: 10, consumed: 3 },
      { skuId: 'sku-b', skuPartNumber: 'O365_BUSINESS_ESSENTIALS', total: 5, consumed: 5 },
    ], new Date('2030-03-01T00:00:00Z'));
    await replaceCustomerLicences(database.db, fabrikam.id, [{ skuId: 'sku-a', skuPartNumber: 'ENTERPRISEPACK', total: 12, consumed: 4 }], new Date('2030-03-02T00:00:00Z'));
    expect(await listCustomerLicences(database.db, fabrikam.id)).toEqual([
      { customerId: fabrikam.id, skuId: 'sku-a', skuPartNumber: 'ENTERPRISEPACK', total: 12, consumed: 4, seenAt: '2030-03-02T00:00:00.000Z' },
    ]);
    await replaceCustomerLicences(database.db, fabrikam.id, []);
    expect(await listCustomerLicences(database.db, fabrikam.id)).toEqual([]);
  });

  it('routes a reseller\'s customer to the partner listing that reseller (sub-resellers only with includeSubResellers), else the default', async () => {
    const base = { partnerTenantId: '11111111-1111-1111-1111-111111111111', clientId: '22222222-2222-2222-2222-222222222222', clientSecretSealed: 'sealed', accountId: null, loginUrl: 'https://login.example', partnerCenterUrl: 'https://pc.example', graphUrl: 'https://graph.example', isDefault: false };
    const direct = await insertPartner(database.db, { ...base, slug: 'reseller-direct', resellerIds: JSON.stringify(['aaaaaaaa-0000-4000-8000-000000000001']), includeSubResellers: 0 });
    const withSubs = await insertPartner(database.db, { ...base, slug: 'reseller-tree', resellerIds: JSON.stringify(['bbbbbbbb-0000-4000-8000-000000000002']), includeSubResellers: 1 });
    expect((await partnerForReseller(database.db, ['AAAAAAAA-0000-4000-8000-000000000001'])).id).toBe(direct!.id);
    expect((await partnerForReseller(database.db, ['bbbbbbbb-0000-4000-8000-000000000002'])).id).toBe(withSubs!.id);
    // A sub-reseller of a listed reseller: only the partner that includes sub-resellers serves it.
    expect((await partnerForReseller(database.db, ['cccccccc-0000-4000-8000-000000000003', 'bbbbbbbb-0000-4000-8000-000000000002'])).id).toBe(withSubs!.id);
    expect((await partnerForReseller(database.db, ['cccccccc-0000-4000-8000-000000000003', 'aaaaaaaa-0000-4000-8000-000000000001'])).id).toBe(partnerId);
    expect((await partnerForReseller(database.db, [null])).id).toBe(partnerId);
    const fabrikam = (await findCustomerByRef(database.db, tenant))!;
    expect((await partnerForCustomer(database.db, { ...fabrikam, resellerId: null })).id).toBe(partnerId);
    expect((await partnerForCustomer(database.db, { ...fabrikam, resellerId: 'aaaaaaaa-0000-4000-8000-000000000001' })).id).toBe(direct!.id);
    await database.db.updateTable('cspPartners').set({ isDefault: 0 }).execute();
    await expect(partnerForReseller(database.db, ['dddddddd-0000-4000-8000-000000000004'])).rejects.toMatchObject({ code: 'CSP_PARTNER_NOT_FOUND' });
  });
});
