import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.ts';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { acceptAgreement } from '../../csp/customers/accept-agreement.ts';
import { createCustomer } from '../../csp/customers/create-customer.ts';
import { linkCustomer, listCustomerViews, showCustomer, unlinkCustomer } from '../../csp/customers/customer-admin.ts';
import type { CustomerDeps } from '../../csp/customers/customer-deps.ts';
import type { NewCustomerInput } from '../../csp/customers/customer-input.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findCustomerByRef, listCustomerLicences } from '../../csp/data/customers.ts';
import { dialects } from '../harness/databases.ts';
import { seedOrganization } from '../harness/seed.ts';
import { businessBasic, businessBasicSkuId, startCspWorld, type CspWorld } from './csp-harness.ts';

/** A clock whose waits end at once (retries after 5xx / 429 do not wait in tests). */
const instantClock = (): Clock => ({ now: () => new Date('2026-03-01T10:00:00.000Z'), sleep: async () => {} });

const fabrikam = (overrides: Partial<NewCustomerInput> = {}): NewCustomerInput => ({
  company: 'Fabrikam GmbH',
  domainPrefix: 'fabrikamnew',
  email: 'it@fabrikam.example',
  country: 'de',
  firstName: 'Ada',
  lastName: 'Lovelace',
  address: 'Hauptstraße 1',
  city: 'Berlin',
  postalCode: '10115',
  ...overrides,
});

/**
 * CSP customers against the emulator's Partner Center: create (every field checked, the prefix
 * checked first, the admin password shown or mailed once and stored nowhere), the Microsoft
 * Customer Agreement (600061 "already accepted" is fine), import (idempotent, reseller kept,
 * licences snapshot), link / unlink, and Partner Center faults.
 */
describe.each(dialects)('CSP customers on %s', (dialect) => {
  let world: CspWorld;
  let deps: CustomerDeps;
  let smtp: SMTPServer;
  let smtpUrl: string;
  const received: { to: string[]; body: string }[] = [];

  beforeAll(async () => {
    world = await startCspWorld(dialect);
    deps = { db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: instantClock(), config: { smtp: undefined } };
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), body: Buffer.concat(chunks).toString() });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await world?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('refuses bad input with a code naming the field, before calling Partner Center', async () => {
    const cases: [Partial<NewCustomerInput>, string][] = [
      [{ domainPrefix: 'fabri-kam' }, 'CSP_DOMAIN_PREFIX_INVALID'],
      [{ domainPrefix: 'a'.repeat(28) }, 'CSP_DOMAIN_PREFIX_INVALID'],
      [{ country: 'Germany' }, 'CSP_COUNTRY_INVALID'],
      [{ email: 'not-an-address' }, 'CSP_EMAIL_INVALID'],
      [{ company: '  ' }, 'CSP_COMPANY_INVALID'],
      [{ firstName: '' }, 'CSP_CONTACT_INVALID'],
      [{ address: 'line\u0007one' }, 'CSP_ADDRESS_INVALID'],
      [{ postalCode: '1'.repeat(17) }, 'CSP_ADDRESS_INVALID'],
      [{ phone: 'call me' }, 'CSP_PHONE_INVALID'],
      [{ mailPasswordTo: 'billing' }, 'USAGE'],
      [{ organization: 'no-such-org' }, 'ORG_NOT_FOUND'],
      [{ mailPasswordTo: 'customer' }, 'CSP_MAIL_NOT_CONFIGURED'],
    ];
    for (const [overrides, code] of cases) {
      await expect(createCustomer(deps, world.partnerSlug, fabrikam(overrides), 'cli:tester'), code).rejects.toMatchObject({ code });
    }
    await expect(createCustomer(deps, 'nobody', fabrikam(), 'cli:tester')).rejects.toMatchObject({ code: 'CSP_PARTNER_NOT_FOUND' });
    expect(await listCustomerViews(deps.db, world.partnerSlug)).toEqual([]);
    const state = (await (await world.control('/partner-center/state', 'GET')).json()) as { customers: unknown[] };
    expect(state.customers).toEqual([]);
  });

  it('refuses a taken prefix with CSP_DOMAIN_PREFIX_TAKEN after HEAD /v1/domains, creating nothing', async () => {
    world.seedCustomer('takenprefix');
    await expect(createCustomer(deps, world.partnerSlug, fabrikam({ domainPrefix: 'TakenPrefix' }), 'cli:tester')).rejects.toMatchObject({ code: 'CSP_DOMAIN_PREFIX_TAKEN', status: 409, details: { domain: 'takenprefix.onmicrosoft.com' } });
    expect(await findCustomerByRef(deps.db, 'takenprefix.onmicrosoft.com')).toBeUndefined();
  });

  it('creates the customer, shows the admin password once and stores it nowhere, and links --org', async () => {
    const { organization } = await seedOrganization(world.lanyard.context, { slug: "fabrikam-org", domain: "fabrikam.example" });
    const report = await createCustomer(deps, world.partnerSlug, fabrikam({ organization: 'fabrikam-org', phone: '+49 30 1234567', state: 'BE' }), 'cli:tester');
    expect(report.adminUser).toBe('admin@fabrikamnew.onmicrosoft.com');
    expect(report.adminPassword).toMatch(/.{12,}/);
    expect(report.customer).toMatchObject({ domain: 'fabrikamnew.onmicrosoft.com', companyName: 'Fabrikam GmbH', country: 'DE', organization: 'fabrikam-org', source: 'created', agreement: null });
    const row = await findCustomerByRef(deps.db, 'fabrikamnew.onmicrosoft.com');
    expect(row).toMatchObject({ organizationId: organization.id, tenantId: report.customer.tenantId });
    // The password is in no table and no audit event.
    const everything = JSON.stringify([row, await listAuditEvents(deps.db, {})]);
    expect(everything).not.toContain(report.adminPassword!);
    // Partner Center really has the customer, with the billing address Lanyard sent.
    const state = (await (await world.control('/partner-center/state', 'GET')).json()) as { customers: { id: string; billingProfile: { defaultAddress: Record<string, string> } }[] };
    expect(state.customers.find((c) => c.id === report.customer.tenantId)?.billingProfile.defaultAddress).toMatchObject({ country: 'DE', city: 'Berlin', postalCode: '10115', state: 'BE', phoneNumber: '+49 30 1234567' });
    // The same prefix again is taken now.
    await expect(createCustomer(deps, world.partnerSlug, fabrikam(), 'cli:tester')).rejects.toMatchObject({ code: 'CSP_DOMAIN_PREFIX_TAKEN' });
  });

  it('mails the password once to the billing address when asked, and does not return it', async () => {
    const mailing: CustomerDeps = { ...deps, config: { smtp: { url: smtpUrl, from: 'csp@northwind.example' } } };
    const report = await createCustomer(mailing, world.partnerSlug, fabrikam({ domainPrefix: 'mailedco', mailPasswordTo: 'billing', billingEmail: 'billing@northwind.example' }), 'cli:tester');
    expect(report).toMatchObject({ adminPassword: null, passwordMailedTo: 'billing@northwind.example' });
    const mail = received.find((message) => message.to.includes('billing@northwind.example'));
    expect(mail?.body).toContain('admin@mailedco.onmicrosoft.com');
    const password = /password: +(\S+)/.exec(mail!.body)?.[1];
    expect(password).toBeTruthy();
    expect(JSON.stringify(await listAuditEvents(deps.db, {}))).not.toContain(password!);
  });

  it('records the Microsoft Customer Agreement, and an acceptance Partner Center already has (600061) is not an error', async () => {
    const contact = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' };
    const first = await acceptAgreement(deps, 'fabrikamnew.onmicrosoft.com', contact, 'cli:tester');
    expect(first).toMatchObject({ alreadyAccepted: false, acceptedBy: 'cli:tester', contact });
    const again = await acceptAgreement(deps, 'FabrikamNew.onmicrosoft.com', contact, 'cli:tester');
    expect(again.alreadyAccepted).toBe(true);
    expect((await showCustomer(deps.db, 'fabrikamnew.onmicrosoft.com')).agreement).toMatchObject({ acceptedBy: 'cli:tester', contact });
    const audits = (await listAuditEvents(deps.db, {})).filter((event) => event.action === 'csp.customer.agreement');
    expect(audits.length).toBeGreaterThanOrEqual(2);
    await expect(acceptAgreement(deps, 'nobody.onmicrosoft.com', contact, 'cli:tester')).rejects.toMatchObject({ code: 'CSP_CUSTOMER_NOT_FOUND' });
    await expect(acceptAgreement(deps, 'fabrikamnew.onmicrosoft.com', { ...contact, email: 'nope' }, 'cli:tester')).rejects.toMatchObject({ code: 'CSP_EMAIL_INVALID' });
  });

  it('imports customers from Partner Center: created once, then unchanged; reseller, subscriptions and licences brought', async () => {
    const reseller = '7a7a7a7a-1111-4222-8333-944444444444';
    const contoso = world.seedCustomer('contosoimp', { associatedPartnerId: reseller, subscriptions: [{ offerId: businessBasic, quantity: 5, termDuration: 'P1M' }] });
    const dry = await importCustomers(deps, world.partnerSlug, { dryRun: true }, 'cli:tester');
    expect(dry.customers.find((c) => c.tenantId === contoso.id)?.outcome).toBe('created');
    expect(await findCustomerByRef(deps.db, contoso.id)).toBeUndefined();

    const first = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:tester');
    const imported = first.customers.find((c) => c.tenantId === contoso.id)!;
    expect(imported).toMatchObject({ outcome: 'created', resellerId: reseller, subscriptions: 1 });
    expect(imported.licences).toEqual([expect.objectContaining({ skuId: businessBasicSkuId, total: 5, consumed: 0 })]);
    // Customers Lanyard created are matched (by tenant id), not duplicated.
    expect(first.customers.find((c) => c.domain === 'fabrikamnew.onmicrosoft.com')?.outcome).not.toBe('created');
    const row = await findCustomerByRef(deps.db, contoso.id);
    expect(row).toMatchObject({ resellerId: reseller, source: 'imported', domain: 'contosoimp.onmicrosoft.com' });
    expect(await listCustomerLicences(deps.db, row!.id)).toEqual([expect.objectContaining({ skuId: businessBasicSkuId, total: 5 })]);

    const second = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:tester');
    expect(second.counts).toEqual({ created: 0, updated: 0, unchanged: first.customers.length });
    expect((await listCustomerViews(deps.db, world.partnerSlug)).length).toBe(first.customers.length);
  });

  it('updates a customer whose row disagrees with Partner Center, matching by domain when the tenant id differs', async () => {
    const row = await findCustomerByRef(deps.db, 'contosoimp.onmicrosoft.com');
    await deps.db.updateTable('cspCustomers').set({ companyName: 'Old name' }).where('id', '=', row!.id).execute();
    const report = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:tester');
    expect(report.customers.find((c) => c.domain === 'contosoimp.onmicrosoft.com')).toMatchObject({ outcome: 'updated', changed: ['companyName'] });
    expect(report.counts.created).toBe(0);
  });

  it('two imports at once make no duplicate', async () => {
    world.seedCustomer('concurrentco');
    const [a, b] = await Promise.all([importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:a'), importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:b')]);
    const outcomes = [a, b].map((report) => report.customers.find((c) => c.domain === 'concurrentco.onmicrosoft.com')!.outcome);
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    const rows = await deps.db.selectFrom('cspCustomers').selectAll().where('domain', '=', 'concurrentco.onmicrosoft.com').execute();
    expect(rows).toHaveLength(1);
  });

  it('retries Partner Center 5xx and 429 and then succeeds; a lasting 5xx fails the import with PARTNER_CENTER_REFUSED', async () => {
    expect((await world.control('/faults', 'POST', { pathPattern: '^/v1/customers$', method: 'GET', status: 503, count: 2 })).status).toBe(204);
    expect((await world.control('/faults', 'POST', { pathPattern: '/subscribedskus$', status: 429, retryAfterSeconds: 1, count: 1 })).status).toBe(204);
    const report = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:tester');
    expect(report.counts.created).toBe(0);
    expect((await world.control('/faults', 'POST', { pathPattern: '^/v1/customers$', method: 'GET', status: 500, count: 10 })).status).toBe(204);
    try {
      await expect(importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:tester')).rejects.toMatchObject({ code: 'PARTNER_CENTER_REFUSED', details: { status: 500 } });
    } finally {
      await world.control('/faults', 'DELETE');
    }
    expect((await world.control('/faults', 'POST', { pathPattern: '^/v1/domains/', method: 'HEAD', status: 503, count: 10 })).status).toBe(204);
    try {
      await expect(createCustomer(deps, world.partnerSlug, fabrikam({ domainPrefix: 'faultyco' }), 'cli:tester')).rejects.toMatchObject({ code: 'PARTNER_CENTER_REFUSED' });
      expect(await findCustomerByRef(deps.db, 'faultyco.onmicrosoft.com')).toBeUndefined();
    } finally {
      await world.control('/faults', 'DELETE');
    }
  });

  it('a crash between Partner Center creating the customer and the insert is recovered by import', async () => {
    // Partner Center creates the customer but the answer never arrives (the connection drops after it was applied).
    expect((await world.control('/faults', 'POST', { pathPattern: '^/v1/customers$', method: 'POST', dropConnection: 'after', count: 1 })).status).toBe(204);
    await expect(createCustomer(deps, world.partnerSlug, fabrikam({ domainPrefix: 'lostanswer' }), 'cli:tester')).rejects.toMatchObject({ code: 'MICROSOFT_UNREACHABLE' });
    expect(await findCustomerByRef(deps.db, 'lostanswer.onmicrosoft.com')).toBeUndefined();
    const report = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:tester');
    expect(report.customers.find((c) => c.domain === 'lostanswer.onmicrosoft.com')?.outcome).toBe('created');
    expect(await findCustomerByRef(deps.db, 'lostanswer.onmicrosoft.com')).toMatchObject({ companyName: 'Fabrikam GmbH', country: 'DE' });
  });

  it('links and unlinks an organization, one customer per organization', async () => {
    await seedOrganization(world.lanyard.context, { slug: 'contoso-org', domain: 'contoso.example' });
    await expect(linkCustomer(deps.db, 'contosoimp.onmicrosoft.com', 'fabrikam-org', 'cli:tester')).rejects.toMatchObject({ code: 'CSP_ORGANIZATION_LINKED' });
    expect((await linkCustomer(deps.db, 'contosoimp.onmicrosoft.com', 'contoso-org', 'cli:tester')).organization).toBe('contoso-org');
    expect((await linkCustomer(deps.db, 'contosoimp.onmicrosoft.com', 'contoso-org', 'cli:tester')).organization).toBe('contoso-org');
    await expect(linkCustomer(deps.db, 'fabrikamnew.onmicrosoft.com', 'contoso-org', 'cli:tester')).rejects.toMatchObject({ code: 'CSP_CUSTOMER_LINKED' });
    expect((await unlinkCustomer(deps.db, 'contosoimp.onmicrosoft.com', 'cli:tester')).unlinked).toBe('contoso-org');
    expect((await unlinkCustomer(deps.db, 'contosoimp.onmicrosoft.com', 'cli:tester')).unlinked).toBeNull();
    await expect(linkCustomer(deps.db, 'contosoimp.onmicrosoft.com', 'no-org', 'cli:tester')).rejects.toMatchObject({ code: 'ORG_NOT_FOUND' });
  });
});
