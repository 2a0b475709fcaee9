import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.ts';
import { createCustomer } from '../../csp/customers/create-customer.ts';
import type { CustomerDeps } from '../../csp/customers/customer-deps.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findCustomerByRef, recordAgreementAcceptance } from '../../csp/data/customers.ts';
import { listSubscriptions } from '../../csp/data/subscriptions.ts';
import { addPartner } from '../../csp/partners/partner-admin.ts';
import { orderSubscription, setQuantity } from '../../csp/subscriptions/subscription-service.ts';
import { subscriptionSettings } from '../../csp/subscriptions/subscription-settings.ts';
import type { Subscription } from '../../emulator/partner-center/model.ts';
import { dialects } from '../harness/databases.ts';
import { businessBasic, legacyE3, startCspWorld, type CspWorld } from './csp-harness.ts';

const clock: Clock = { now: () => new Date(), sleep: async () => {} };
const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'no error', (error: { code?: string }) => error.code);

/**
 * `csp customer import` brings the customers' subscriptions into `csp_subscriptions` (matched by
 * Partner Center's id, updated, never duplicated, untouched when unchanged, a broken
 * one-per-offer state reported); the partner's licence cap counts every seat-based subscription
 * of the customer, imported ones too; a customer created for an indirect reseller carries
 * `associatedPartnerId`.
 */
describe.each(dialects)('CSP import of subscriptions, licence cap and reseller customers on %s', (dialect) => {
  let world: CspWorld;
  let deps: CustomerDeps;
  const pcSubscriptionsOf = (tenantId: string): Subscription[] => [...world.emulator.state.partnerCenter.subscriptions.values()].filter((subscription) => subscription.customerId === tenantId);

  beforeAll(async () => {
    world = await startCspWorld(dialect);
    deps = { db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock, config: { smtp: undefined } };
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('records the subscriptions, leaves them untouched on a second run, updates what Partner Center changed and reports a second live one of an offer', async () => {
    const tenant = world.seedCustomer('importsubs', {
      subscriptions: [
        { offerId: businessBasic, quantity: 4, termDuration: 'P1Y', billingCycle: 'annual' },
        { offerId: legacyE3, quantity: 2 },
      ],
    });
    const dry = await importCustomers(deps, world.partnerSlug, { dryRun: true }, 'cli:test');
    expect(dry.subscriptionCounts).toMatchObject({ created: 2 });
    expect(await findCustomerByRef(deps.db, 'importsubs.onmicrosoft.com')).toBeUndefined();

    const first = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:test');
    expect(first.subscriptionCounts).toEqual({ created: 2, updated: 0, unchanged: 0, conflict: 0, locked: 0 });
    const customer = (await findCustomerByRef(deps.db, 'importsubs.onmicrosoft.com'))!;
    const rows = await listSubscriptions(deps.db, customer.id);
    expect(rows).toHaveLength(2);
    const [basic, e3] = [pcSubscriptionsOf(tenant.id).find((s) => s.offerId === businessBasic)!, pcSubscriptionsOf(tenant.id).find((s) => s.offerId === legacyE3)!];
    const basicRow = rows.find((row) => row.offerId === businessBasic)!;
    expect(basicRow).toMatchObject({
      partnerCenterId: basic.id, status: 'active', quantity: 4, termDuration: 'P1Y', billingCycle: 'annual', isNewCommerce: 1, seatBased: 1,
      minimumQuantity: 1, maximumQuantity: 300, refundableQuantity: 4, autoRenew: 1, etag: basic.etag, lockedByChange: null, offerName: 'Microsoft 365 Business Basic',
    });
    expect(Date.parse(basicRow.commitmentEndDate!)).toBe(new Date(basic.commitmentEndDate).setUTCHours(0, 0, 0, 0));
    expect(Date.parse(basicRow.cancellationAllowedUntil!)).toBeGreaterThan(Date.now());
    expect(rows.find((row) => row.offerId === legacyE3)).toMatchObject({ partnerCenterId: e3.id, quantity: 2, isNewCommerce: 0, termDuration: 'P1Y' });

    // Second run: nothing differs, nothing is written (updatedAt stays).
    const second = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:test');
    expect(second.subscriptionCounts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    const again = await listSubscriptions(deps.db, customer.id);
    expect(again.map((row) => [row.id, row.updatedAt])).toEqual(rows.map((row) => [row.id, row.updatedAt]));

    // Partner Center changes the quantity and auto-renew (as the portal would): the import follows.
    basic.quantity = 7;
    basic.autoRenewEnabled = false;
    basic.etag = randomUUID();
    const third = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:test');
    expect(third.subscriptionCounts).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    const updated = third.customers.find((c) => c.domain === 'importsubs.onmicrosoft.com')!.subscriptionRows.find((row) => row.offerId === businessBasic)!;
    expect(updated.changed).toEqual(expect.arrayContaining(['quantity', 'autoRenew', 'etag']));
    expect((await listSubscriptions(deps.db, customer.id)).find((row) => row.id === basicRow.id)).toMatchObject({ quantity: 7, autoRenew: 0, etag: basic.etag });

    // A second active Business Basic in Partner Center breaks one-live-per-offer: reported, not recorded, no crash.
    const duplicateId = randomUUID().replaceAll('-', '');
    world.emulator.state.partnerCenter.subscriptions.set(duplicateId, { ...basic, id: duplicateId, etag: randomUUID(), seatLots: [...basic.seatLots] });
    const fourth = await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:test');
    expect(fourth.subscriptionCounts).toMatchObject({ created: 0, conflict: 1, unchanged: 2 });
    const conflict = fourth.customers.flatMap((c) => c.subscriptionRows).find((row) => row.outcome === 'conflict')!;
    expect(conflict.partnerCenterId).toBe(duplicateId);
    expect(conflict.reason).toContain(basicRow.id);
    expect(await listSubscriptions(deps.db, customer.id)).toHaveLength(2);
    world.emulator.state.partnerCenter.subscriptions.delete(duplicateId);
  });

  it('the licence cap counts all the customer\'s seat-based subscriptions, imported ones too, for increases and orders', async () => {
    await subscriptionSettings(deps.db, world.partnerSlug, { licenceCap: '10' }, 'cli:test');
    const customer = (await findCustomerByRef(deps.db, 'importsubs.onmicrosoft.com'))!;
    const rows = await listSubscriptions(deps.db, customer.id);
    const e3 = rows.find((row) => row.offerId === legacyE3)!;
    // Business Basic holds 7 (imported); E3 from 2 to 4 would make 11.
    const refused = await setQuantity(deps, e3.id, 4, 'cli:test').then(() => undefined, (error: unknown) => error);
    expect(refused).toMatchObject({ code: 'CSP_LICENCE_CAP_EXCEEDED', details: { cap: 10, held: 7, requested: 4, total: 11, available: 3 } });
    expect(String((refused as Error).message)).toContain('holds 7');

    // An order for another customer whose imported subscription already holds 9 of 10.
    world.seedCustomer('capcustomer', { subscriptions: [{ offerId: businessBasic, quantity: 9, termDuration: 'P1M' }] });
    await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:test');
    const capped = (await findCustomerByRef(deps.db, 'capcustomer.onmicrosoft.com'))!;
    await recordAgreementAcceptance(deps.db, capped.id, { by: 'cli:test', contact: { firstName: 'Ada', lastName: 'Admin', email: 'ada@capcustomer.example' } });
    const order = await orderSubscription(deps, { customer: capped.domain, offerId: legacyE3, quantity: 2 }, 'cli:test').then(() => undefined, (error: unknown) => error);
    expect(order).toMatchObject({ code: 'CSP_LICENCE_CAP_EXCEEDED', details: { cap: 10, held: 9, requested: 2, total: 11 } });
    expect(await listSubscriptions(deps.db, capped.id)).toHaveLength(1);

    // Two orders of different offers at once, each fitting alone (6 of 10), not both: exactly one is written.
    world.seedCustomer('capracing');
    await importCustomers(deps, world.partnerSlug, { dryRun: false }, 'cli:test');
    const racing = (await findCustomerByRef(deps.db, 'capracing.onmicrosoft.com'))!;
    await recordAgreementAcceptance(deps.db, racing.id, { by: 'cli:test', contact: { firstName: 'Ada', lastName: 'Admin', email: 'ada@capracing.example' } });
    const outcomes = await Promise.all([businessBasic, legacyE3].map((offerId) => codeOf(orderSubscription(deps, { customer: racing.domain, offerId, quantity: 6 }, 'cli:test'))));
    expect(outcomes.sort()).toEqual(['CSP_LICENCE_CAP_EXCEEDED', 'no error']);
    expect(await listSubscriptions(deps.db, racing.id)).toHaveLength(1);
    await subscriptionSettings(deps.db, world.partnerSlug, { licenceCap: 'unlimited' }, 'cli:test');
  });

  it('creates a customer for an indirect reseller: associatedPartnerId sent and stored; the reseller\'s partner must be the one named', async () => {
    const reseller = randomUUID();
    const input = { company: 'Reseller Kunde GmbH', domainPrefix: 'resellerkunde', email: 'it@kunde.example', country: 'DE', firstName: 'Ada', lastName: 'Lovelace', address: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115' };
    expect(await codeOf(createCustomer(deps, world.partnerSlug, { ...input, reseller: 'not-a-guid' }, 'cli:test'))).toBe('CSP_RESELLER_ID_INVALID');

    const report = await createCustomer(deps, world.partnerSlug, { ...input, reseller: reseller.toUpperCase() }, 'cli:test');
    expect(report.customer.resellerId).toBe(reseller);
    const inPartnerCenter = [...world.emulator.state.partnerCenter.customers.values()].find((c) => c.domain === 'resellerkunde.onmicrosoft.com');
    expect(inPartnerCenter?.associatedPartnerId).toBe(reseller);
    expect((await findCustomerByRef(deps.db, 'resellerkunde.onmicrosoft.com'))?.resellerId).toBe(reseller);

    // A reseller another partner serves: refused before Partner Center is called.
    const served = randomUUID();
    await addPartner(world.lanyard.context, { partner: 'resellerpartner', tenantId: randomUUID(), clientId: randomUUID(), clientSecret: 'secret~x', resellers: served, isDefault: false }, 'cli:test');
    const mismatch = await createCustomer(deps, world.partnerSlug, { ...input, domainPrefix: 'otherkunde', reseller: served }, 'cli:test').then(() => undefined, (error: unknown) => error);
    expect(mismatch).toMatchObject({ code: 'CSP_RESELLER_PARTNER_MISMATCH', details: { servingPartner: 'resellerpartner' } });
    expect([...world.emulator.state.partnerCenter.customers.values()].some((c) => c.domain === 'otherkunde.onmicrosoft.com')).toBe(false);
  });
});
