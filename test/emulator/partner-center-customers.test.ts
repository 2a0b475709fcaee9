import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAccessToken, graphRequest } from './harness.ts';
import { businessBasic, businessBasicSkuId, pcErrorCode, pcRequest, seedCustomer, startPartnerCenterEmulator, type PartnerCenterEmulator } from './partner-center-harness.ts';

/** Customers (create, list with continuation, get), MCA agreements, customer users, licence updates, application consents. */
let pc: PartnerCenterEmulator;

beforeAll(async () => {
  pc = await startPartnerCenterEmulator('customercsp');
});
afterAll(async () => {
  await pc.emulator.close();
});

const newCustomer = (domain: string) => ({
  CompanyProfile: { Domain: domain },
  BillingProfile: {
    Culture: 'en-US', Email: 'billing@example.com', Language: 'en', CompanyName: `${domain} Ltd`,
    DefaultAddress: { FirstName: 'Ada', LastName: 'Lovelace', AddressLine1: 'One Microsoft Way', City: 'Redmond', State: 'WA', PostalCode: '98052', Country: 'US', PhoneNumber: '4255550100' },
  },
});

describe('customers', () => {
  let customerId: string;

  it('creates a customer tenant the Graph part serves, with a one-time admin password', async () => {
    const created = await pcRequest(pc, 'POST', '/customers', newCustomer('tailspin.onmicrosoft.com'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      companyProfile: { domain: 'tailspin.onmicrosoft.com', companyName: 'tailspin.onmicrosoft.com Ltd' },
      relationshipToPartner: 'reseller',
      userCredentials: { userName: 'admin', password: expect.any(String) },
      attributes: { objectType: 'Customer' },
    });
    customerId = created.body?.id as string;
    expect((await pcRequest(pc, 'HEAD', '/domains/tailspin.onmicrosoft.com')).status).toBe(200);
    const tenant = pc.emulator.state.tenants.get(customerId);
    expect(tenant?.domains.get('tailspin.onmicrosoft.com')).toMatchObject({ isInitial: true, isDefault: true, isVerified: true });
    const admin = tenant?.users.byPrincipalName('admin@tailspin.onmicrosoft.com');
    expect(admin && tenant?.passwords.get(admin.id)).toBe((created.body?.userCredentials as { password: string }).password);
    const fetched = await pcRequest(pc, 'GET', `/customers/${customerId}`);
    expect(fetched.body?.userCredentials).toBeUndefined();
    expect(fetched.body?.billingProfile).toMatchObject({ email: 'billing@example.com', attributes: { objectType: 'CustomerBillingProfile' } });
  });

  it('refuses a taken domain, a bad prefix and a missing billing profile', async () => {
    const taken = await pcRequest(pc, 'POST', '/customers', newCustomer('tailspin.onmicrosoft.com'));
    expect([taken.status, pcErrorCode(taken)]).toEqual([409, 3000]);
    const bad = await pcRequest(pc, 'POST', '/customers', newCustomer('has-dash.onmicrosoft.com'));
    expect([bad.status, pcErrorCode(bad)]).toEqual([400, 3000]);
    const noBilling = await pcRequest(pc, 'POST', '/customers', { CompanyProfile: { Domain: 'nobilling.onmicrosoft.com' } });
    expect([noBilling.status, pcErrorCode(noBilling)]).toEqual([400, 3000]);
  });

  it('pages the customer list with MS-ContinuationToken until links.next is absent', async () => {
    for (const name of ['pageone', 'pagetwo']) seedCustomer(pc, name);
    const first = await pcRequest(pc, 'GET', '/customers?size=2');
    expect(first.body).toMatchObject({ totalCount: 2, attributes: { objectType: 'Collection' } });
    const next = (first.body?.links as { next: { uri: string; headers: { key: string; value: string }[] } }).next;
    expect(next.uri).toBe('/v1/customers?size=2');
    expect(next.headers[0]?.key).toBe('MS-ContinuationToken');
    const second = await pcRequest(pc, 'GET', '/customers?size=2', undefined, { 'MS-ContinuationToken': next.headers[0]?.value ?? '' });
    expect(second.body?.totalCount).toBe(1);
    expect((second.body?.links as Record<string, unknown>).next).toBeUndefined();
    const ids = [...(first.body?.items as { id: string }[]), ...(second.body?.items as { id: string }[])].map((item) => item.id);
    expect(new Set(ids).size).toBe(3);
    const badToken = await pcRequest(pc, 'GET', '/customers?size=2', undefined, { 'MS-ContinuationToken': 'garbage' });
    expect(badToken.status).toBe(400);
  });

  it('hides customers of other partners and unknown ids behind 403 20002', async () => {
    const unknown = await pcRequest(pc, 'GET', '/customers/00000000-0000-0000-0000-000000000000');
    expect([unknown.status, pcErrorCode(unknown)]).toEqual([403, 20002]);
  });

  it('records the MCA acceptance once and lists it; metadata gives the template id', async () => {
    const metadata = await pcRequest(pc, 'GET', '/agreements?agreementType=MicrosoftCustomerAgreement');
    const items = metadata.body?.items as { templateId: string; agreementType: string }[];
    expect(items).toHaveLength(1);
    expect(items[0]?.agreementType).toBe('MicrosoftCustomerAgreement');
    const defaultType = await pcRequest(pc, 'GET', '/agreements');
    expect((defaultType.body?.items as { agreementType: string }[])[0]?.agreementType).toBe('MicrosoftCloudAgreement');

    const agreement = { primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@tailspin.example', phoneNumber: '4255550100' }, templateId: items[0]?.templateId, dateAgreed: '2026-11-30T00:00:00.000Z', type: 'MicrosoftCustomerAgreement' };
    const confirmed = await pcRequest(pc, 'POST', `/customers/${customerId}/agreements`, agreement);
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({ ...agreement, userId: pc.agentUserId });
    const again = await pcRequest(pc, 'POST', `/customers/${customerId}/agreements`, agreement);
    expect([again.status, pcErrorCode(again)]).toEqual([409, 600061]);
    expect(again.body).toMatchObject({ errorName: 'PartnerConfirmedAgreementAlreadyExists', isRetryable: false });
    const wrongTemplate = await pcRequest(pc, 'POST', `/customers/${customerId}/agreements`, { ...agreement, templateId: '00000000-0000-0000-0000-000000000000' });
    expect([wrongTemplate.status, pcErrorCode(wrongTemplate)]).toEqual([400, 3000]);
    const listed = await pcRequest(pc, 'GET', `/customers/${customerId}/agreements?agreementType=MicrosoftCustomerAgreement`);
    expect(listed.body?.totalCount).toBe(1);
  });
});

describe('customer users and licences', () => {
  let customerId: string;
  let userId: string;

  beforeAll(async () => {
    customerId = seedCustomer(pc, 'userland', { subscriptions: [{ offerId: businessBasic, quantity: 1, termDuration: 'P1M', billingCycle: 'monthly' }] }).id;
  });

  it('creates, reads, updates and deletes users', async () => {
    const created = await pcRequest(pc, 'POST', `/customers/${customerId}/users`, {
      UserPrincipalName: 'grace@userland.onmicrosoft.com', FirstName: 'Grace', LastName: 'Hopper', DisplayName: 'Grace Hopper', UsageLocation: 'US',
      PasswordProfile: { Password: 'Str0ng!Passw0rd', ForceChangePassword: true },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userPrincipalName: 'grace@userland.onmicrosoft.com', firstName: 'Grace', state: 'active', attributes: { objectType: 'CustomerUser' } });
    userId = created.body?.id as string;
    const duplicate = await pcRequest(pc, 'POST', `/customers/${customerId}/users`, { userPrincipalName: 'grace@userland.onmicrosoft.com', displayName: 'Again', passwordProfile: { password: 'Str0ng!Passw0rd' } });
    expect([duplicate.status, pcErrorCode(duplicate)]).toEqual([409, 3000]);
    expect((await pcRequest(pc, 'PATCH', `/customers/${customerId}/users/${userId}`, { displayName: 'Rear Admiral Hopper' })).body?.displayName).toBe('Rear Admiral Hopper');
    expect((await pcRequest(pc, 'GET', `/customers/${customerId}/users`)).body?.totalCount).toBe(1);
    const temporary = await pcRequest(pc, 'POST', `/customers/${customerId}/users`, { userPrincipalName: 'temp@userland.onmicrosoft.com', displayName: 'Temp', passwordProfile: { password: 'Str0ng!Passw0rd' } });
    expect((await pcRequest(pc, 'DELETE', `/customers/${customerId}/users/${temporary.body?.id as string}`)).status).toBe(204);
    const gone = await pcRequest(pc, 'GET', `/customers/${customerId}/users/${temporary.body?.id as string}`);
    expect([gone.status, pcErrorCode(gone)]).toEqual([404, 1000]);
  });

  it('assigns a licence from the pool and answers 60012 when no seat is left', async () => {
    const assign = (id: string) => pcRequest(pc, 'POST', `/customers/${customerId}/users/${id}/licenseupdates`, { LicensesToAssign: [{ SkuId: businessBasicSkuId, ExcludedPlans: null }], LicensesToRemove: null, Attributes: { ObjectType: 'LicenseUpdate' } });
    const first = await assign(userId);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ licensesToAssign: [{ skuId: businessBasicSkuId }], licenseWarnings: [], attributes: { objectType: 'LicenseUpdate' } });
    const pool = await pcRequest(pc, 'GET', `/customers/${customerId}/subscribedskus`);
    expect(pool.body?.items).toEqual([expect.objectContaining({ totalUnits: 1, consumedUnits: 1, availableUnits: 0, productSku: expect.objectContaining({ id: businessBasicSkuId }), attributes: { objectType: 'SubscribedSku' } })]);
    const second = await pcRequest(pc, 'POST', `/customers/${customerId}/users`, { userPrincipalName: 'linus@userland.onmicrosoft.com', displayName: 'Linus', usageLocation: 'FI', passwordProfile: { password: 'Str0ng!Passw0rd' } });
    const refused = await assign(second.body?.id as string);
    expect([refused.status, pcErrorCode(refused)]).toEqual([400, 60012]);
    expect((refused.body?.data as string[])[0]).toMatch(/^LicenseQuotaExceededException/);
    const licences = await pcRequest(pc, 'GET', `/customers/${customerId}/users/${userId}/licenses`);
    expect(licences.body?.totalCount).toBe(1);
  });

  it('refuses a licence for a user without usage location', async () => {
    const nowhere = await pcRequest(pc, 'POST', `/customers/${customerId}/users`, { userPrincipalName: 'nowhere@userland.onmicrosoft.com', displayName: 'Nowhere', passwordProfile: { password: 'Str0ng!Passw0rd' } });
    const refused = await pcRequest(pc, 'POST', `/customers/${customerId}/users/${nowhere.body?.id as string}/licenseupdates`, { licensesToAssign: [{ skuId: businessBasicSkuId }] });
    expect([refused.status, pcErrorCode(refused)]).toEqual([400, 3000]);
  });
});

describe('application consents', () => {
  it('consents the partner app into the customer tenant, after which it gets Graph tokens there; a second consent is 409', async () => {
    const customer = seedCustomer(pc, 'consenting');
    const consent = { applicationId: pc.appId, applicationGrants: [{ enterpriseApplicationId: '00000003-0000-0000-c000-000000000000', scope: 'Directory.Read.All,User.ReadWrite.All' }] };
    const created = await pcRequest(pc, 'POST', `/customers/${customer.id}/applicationconsents`, consent);
    expect(created.status).toBe(201);
    const token = await fetchAccessToken(pc.emulator, { tenant: customer, clientId: pc.appId, clientSecret: 'partner-secret' });
    expect((await graphRequest(pc.emulator, token, 'GET', '/users')).status).toBe(200);
    // Graph's grants are also a tenant-wide delegated grant (what the partner's refresh token at the customer's authority uses).
    const delegated = pc.emulator.state.delegatedAccess.consents.list().find((grant) => grant.tenantId === customer.id && grant.clientId === pc.appId);
    expect(delegated).toMatchObject({ principal: 'AllPrincipals' });
    const again = await pcRequest(pc, 'POST', `/customers/${customer.id}/applicationconsents`, consent);
    expect(again.status).toBe(409);
    expect(again.body?.description).toMatch(/already exists/);
    expect((await pcRequest(pc, 'DELETE', `/customers/${customer.id}/applicationconsents/${pc.appId}`)).status).toBe(204);
    expect(customer.apps.some((app) => app.clientId === pc.appId)).toBe(false);
    expect(pc.emulator.state.delegatedAccess.consents.list().some((grant) => grant.tenantId === customer.id && grant.clientId === pc.appId)).toBe(false);
  });
});
