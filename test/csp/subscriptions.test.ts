import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { ensurePeriodicJob } from '../../core/jobs/job-store.ts';
import { createJobRunner } from '../../core/jobs/job-runner.ts';
import { findCustomerByRef, insertCustomer, recordAgreementAcceptance } from '../../csp/data/customers.ts';
import { findSubscription, listBillingLines, listChanges } from '../../csp/data/subscriptions.ts';
import type { CspCustomer } from '../../csp/data/tables.ts';
import { openPartnerCenter } from '../../csp/partner-center/open-partner-center.ts';
import { legacyDeletionJob, legacyDeletionJobKind } from '../../csp/subscriptions/legacy-deletion-job.ts';
import { listOffers } from '../../csp/subscriptions/offers.ts';
import { increaseCharge, purchaseCharge } from '../../csp/subscriptions/proration.ts';
import { runChangeToEnd } from '../../csp/subscriptions/run-change.ts';
import { orderSubscription, scheduleQuantity, setAutoRenew, setQuantity, terminateSubscription } from '../../csp/subscriptions/subscription-service.ts';
import { dialects } from '../harness/databases.ts';
import { businessBasic, businessBasicSkuId, legacyE3, startCspWorld, testCatalog, type CspWorld } from './csp-harness.ts';

const dayMs = 86_400_000;
/** The test catalog with a second new-commerce product and list prices, for co-terming. */
const exchange = 'CFQ7TTC0LH16:0001:CFQ7TTC0LGZT';
const catalog = {
  ...testCatalog,
  products: [
    { ...testCatalog.products[0]!, skus: [{ ...testCatalog.products[0]!.skus[0]!, availabilities: [{ id: 'CFQ7TTC0K971', terms: [{ duration: 'P1M', billingCycle: 'monthly', listPrice: 6 }, { duration: 'P1Y', billingCycle: 'annual', listPrice: 100 }] }] }] },
    {
      id: 'CFQ7TTC0LH16', title: 'Exchange Online (Plan 1)',
      skus: [{ id: '0001', title: 'Exchange Online (Plan 1)', minimumQuantity: 1, maximumQuantity: 50, licenseSkuId: '4b9405b0-7788-4568-add1-99614e613b69', skuPartNumber: 'EXCHANGESTANDARD', availabilities: [{ id: 'CFQ7TTC0LGZT', terms: [{ duration: 'P1Y', billingCycle: 'annual', listPrice: 48 }, { duration: 'P1M', billingCycle: 'monthly', listPrice: 4 }] }] }],
    },
  ],
  offers: [{ ...testCatalog.offers[0]!, listPrice: 240 }],
};

/**
 * The subscriptions service against the emulator's Partner Center: orders (cart → checkout with
 * stored MS-RequestIds), quantity changes with their rules, terminations, the new-commerce windows
 * and their alternatives, slow (202) changes that lock the subscription, co-terming, legacy
 * two-step termination, billing lines. Every change runs through the one job runner.
 */
describe.each(dialects)('CSP subscriptions against Partner Center on %s', (dialect) => {
  let world: CspWorld;
  /** Lanyard's clock, moved with the emulator's when a test moves time on. */
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs), sleep: systemClock.sleep };
  const deps = () => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock });
  const runDeps = () => ({ ...deps(), dialect: world.lanyard.context.dialect, logger: world.lanyard.context.logger });
  const pcState = async () => (await (await world.control('/partner-center/state', 'GET')).json()) as { orders: { customerId: string; lineItems: { customTermEndDate?: string; subscriptionId: string }[] }[]; subscriptions: { id: string; customerId: string; quantity: number; status: string; autoRenewEnabled: boolean; scheduledNextTermInstructions: { quantity: number } | null; commitmentEndDate: number }[]; carts: { customerId: string; status: string }[] };
  const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'no error', (error: { code?: string }) => error.code);
  const advance = async (days: number) => {
    await world.control('/clock', 'POST', { advanceSeconds: days * 86_400 });
    offsetMs += days * dayMs;
  };

  async function customer(name: string, options: { mcaInPartnerCenter?: boolean; recorded?: boolean } = {}): Promise<CspCustomer> {
    const tenant = world.seedCustomer(name, { mcaAccepted: options.mcaInPartnerCenter ?? true });
    const partner = await world.partner();
    const row = (await insertCustomer(world.lanyard.context.db, { partnerId: partner.id, tenantId: tenant.id, domain: `${name}.onmicrosoft.com`, companyName: name, country: 'US', email: null, resellerId: null, organizationId: null, source: 'created' }))!;
    if (options.recorded ?? true) await recordAgreementAcceptance(world.lanyard.context.db, row.id, { by: 'cli:test', contact: { firstName: 'Ada', lastName: 'Admin', email: `ada@${name}.example` } });
    return (await findCustomerByRef(world.lanyard.context.db, row.domain))!;
  }
  const order = async (who: CspCustomer, extra: Partial<Parameters<typeof orderSubscription>[1]> = {}) => {
    const queued = await orderSubscription(deps(), { customer: who.domain, offerId: businessBasic, quantity: '3', ...extra }, 'cli:test');
    return { ...queued, change: await runChangeToEnd(runDeps(), queued.change.id, 20_000) };
  };
  const finish = async (queued: { change: { id: string } }, waitMs = 20_000) => runChangeToEnd(runDeps(), queued.change.id, waitMs);

  beforeAll(async () => {
    world = await startCspWorld(dialect);
    expect((await world.control('/partner-center/catalog', 'PUT', catalog)).status).toBe(200);
  });
  afterAll(async () => {
    await world.stop();
  });

  it('lists legacy offers and new-commerce availabilities with their terms and list prices', async () => {
    const offers = await listOffers(openPartnerCenter(deps(), await world.partner(), 'test'), 'US');
    expect(offers.map((offer) => offer.offerId)).toEqual([legacyE3, businessBasic, exchange]);
    expect(offers[1]).toMatchObject({ name: 'Microsoft 365 Business Basic', isNewCommerce: true, minimumQuantity: 1, maximumQuantity: 300, licenceSkuId: businessBasicSkuId });
    expect(offers[1]!.terms).toEqual([
      { termDuration: 'P1M', billingCycle: 'monthly', unitPriceMinor: 600, currency: 'USD', listed: true, prorate: true },
      { termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: 10_000, currency: 'USD', listed: true, prorate: true },
    ]);
    expect(offers[0]!.terms[0]).toMatchObject({ termDuration: 'P1Y', unitPriceMinor: 24_000 });
  });

  it('orders through a cart and its checkout with stored request ids: one order, one active subscription, a billing line, an audit event', async () => {
    const fabrikam = await customer('fabrikam');
    const { subscription, change } = await order(fabrikam, { term: 'P1Y', billing: 'annual', name: 'Office seats' });
    expect(change).toMatchObject({ kind: 'order', state: 'succeeded' });
    expect(change.cartId).toBeTruthy();
    const state = await pcState();
    const orders = state.orders.filter((o) => o.customerId === fabrikam.tenantId);
    expect(orders).toHaveLength(1);
    expect(state.carts.filter((cart) => cart.customerId === fabrikam.tenantId).map((cart) => cart.status)).toEqual(['Ordered']);
    const pcSubscription = state.subscriptions.find((s) => s.id === orders[0]!.lineItems[0]!.subscriptionId)!;
    const row = (await findSubscription(world.lanyard.context.db, subscription.id))!;
    expect(row).toMatchObject({ status: 'active', partnerCenterId: pcSubscription.id, orderId: expect.any(String), quantity: 3, name: 'Office seats', termDuration: 'P1Y', billingCycle: 'annual', lockedByChange: null, refundableQuantity: 3, autoRenew: 1, unitPriceMinor: 10_000 });
    // The window is Partner Center's word, stored as read.
    const read = (await openPartnerCenter(deps(), await world.partner(), 'test').call<{ cancellationAllowedUntilDate: string; commitmentEndDate: string; effectiveStartDate: string }>('GET', `/v1/customers/${fabrikam.tenantId}/subscriptions/${pcSubscription.id}`)).body;
    expect(row.cancellationAllowedUntil).toBe(read.cancellationAllowedUntilDate);
    expect(row.commitmentEndDate).toBe(read.commitmentEndDate);
    const [line] = (await listBillingLines(world.lanyard.context.db, fabrikam.partnerId)).filter((l) => l.subscriptionId === subscription.id);
    expect(line).toMatchObject({ kind: 'purchase', quantity: 3, unitPriceMinor: 10_000, share: '1.0000', amountMinor: 30_000, currency: 'USD', changeId: change.id });
    const audit = await world.lanyard.context.db.selectFrom('auditEvents').selectAll().where('action', '=', 'csp.subscription.order').where('target', '=', subscription.id).execute();
    expect(audit.map((event) => [event.outcome, event.actor])).toEqual([['success', 'cli:test']]);
    // One active subscription per offer per customer.
    expect(await codeOf(orderSubscription(deps(), { customer: fabrikam.domain, offerId: businessBasic, quantity: '1' }, 'cli:test'))).toBe('CSP_SUBSCRIPTION_EXISTS');
  });

  it('refuses bad orders before calling Partner Center, writing nothing', async () => {
    const contoso = await customer('contoso');
    const unrecorded = await customer('litware', { recorded: false });
    const ask = (extra: Record<string, string>, who = contoso) => codeOf(orderSubscription(deps(), { customer: who.domain, offerId: businessBasic, quantity: '1', ...extra }, 'cli:test'));
    expect(await ask({}, unrecorded)).toBe('CSP_AGREEMENT_NOT_ACCEPTED');
    expect(await ask({ quantity: '0' })).toBe('CSP_QUANTITY_INVALID');
    expect(await ask({ quantity: 'two' })).toBe('CSP_QUANTITY_INVALID');
    expect(await ask({ quantity: '301' })).toBe('CSP_QUANTITY_OUT_OF_RANGE');
    expect(await ask({ offerId: 'NOPE:0001:X' })).toBe('CSP_OFFER_NOT_FOUND');
    expect(await ask({ term: 'P2Y' })).toBe('CSP_TERM_INVALID');
    expect(await ask({ offerId: legacyE3, term: 'P1M' })).toBe('CSP_TERM_INVALID');
    expect(await codeOf(orderSubscription(deps(), { customer: 'nobody.onmicrosoft.com', offerId: businessBasic, quantity: '1' }, 'cli:test'))).toBe('CSP_CUSTOMER_NOT_FOUND');
    const error = await orderSubscription(deps(), { customer: contoso.domain, offerId: businessBasic, quantity: '301' }, 'cli:test').catch((e: { details: unknown }) => e);
    expect((error as { details: unknown }).details).toEqual({ quantity: 301, minimumQuantity: 1, maximumQuantity: 300 });
    // The partner's licence cap counts what the customer already holds.
    await world.lanyard.context.db.updateTable('cspPartners').set({ licenceCapPerCustomer: 5 }).execute();
    try {
      expect((await order(contoso, { quantity: '4' })).change.state).toBe('succeeded');
      const capped = await orderSubscription(deps(), { customer: contoso.domain, offerId: legacyE3, quantity: '2' }, 'cli:test').catch((e: { code: string; details: unknown }) => e);
      expect(capped).toMatchObject({ code: 'CSP_LICENCE_CAP_EXCEEDED', details: { cap: 5, held: 4, requested: 2 } });
    } finally {
      await world.lanyard.context.db.updateTable('cspPartners').set({ licenceCapPerCustomer: -1 }).execute();
    }
    const rows = await world.lanyard.context.db.selectFrom('cspSubscriptions').select('customerId').where('customerId', 'in', [contoso.id, unrecorded.id]).execute();
    expect(rows).toHaveLength(1);
    expect((await pcState()).carts.filter((cart) => cart.customerId === unrecorded.tenantId)).toEqual([]);
  });

  it('says CSP_AGREEMENT_NOT_ACCEPTED when Partner Center answers 13605, and frees the offer', async () => {
    const adatum = await customer('adatum', { mcaInPartnerCenter: false });
    const queued = await orderSubscription(deps(), { customer: adatum.domain, offerId: businessBasic, quantity: '1' }, 'cli:test');
    const failure = await finish(queued).catch((error: { code: string; details: Record<string, unknown> }) => error);
    expect(failure).toMatchObject({ code: 'CSP_AGREEMENT_NOT_ACCEPTED', status: 409, details: { partnerCenterCode: '13605', remediation: expect.stringContaining('accept-agreement') } });
    expect((await findSubscription(world.lanyard.context.db, queued.subscription.id))).toMatchObject({ status: 'failed', lockedByChange: null });
    expect((await listChanges(world.lanyard.context.db, queued.subscription.id)).map((c) => [c.state, c.errorCode])).toEqual([['failed', 'CSP_AGREEMENT_NOT_ACCEPTED']]);
    expect((await pcState()).orders.filter((o) => o.customerId === adatum.tenantId)).toEqual([]);
  });

  it('retries an order whose checkout answer was lost with the same MS-RequestId: still one order', async () => {
    const tailspin = await customer('tailspin');
    await world.control('/faults', 'POST', { pathPattern: `^/v1/customers/${tailspin.tenantId}/carts/[^/]+/checkout$`, method: 'POST', dropConnection: 'after', count: 1 });
    const { change, subscription } = await order(tailspin);
    expect(change.state).toBe('succeeded');
    const job = await world.lanyard.context.db.selectFrom('jobs').selectAll().where('id', '=', change.jobId!).executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'succeeded', attempts: 2 });
    const state = await pcState();
    expect(state.orders.filter((o) => o.customerId === tailspin.tenantId)).toHaveLength(1);
    expect(state.subscriptions.filter((s) => s.customerId === tailspin.tenantId)).toHaveLength(1);
    expect((await findSubscription(world.lanyard.context.db, subscription.id))?.status).toBe('active');
  });

  it('fails an order whose job used up its attempts with every holder dying, releasing the offer', async () => {
    const margie = await customer('margie');
    const queued = await orderSubscription(deps(), { customer: margie.domain, offerId: businessBasic, quantity: '1' }, 'cli:test');
    // As if every attempt had crashed its node: attempts used up, leased by a dead holder.
    await world.lanyard.context.db.updateTable('jobs').set({ state: 'running', attempts: 10, leaseOwner: 'dead-node', leaseExpiresAt: new Date(clock.now().getTime() - 1000).toISOString() }).where('id', '=', queued.change.jobId!).execute();
    expect(await codeOf(finish(queued))).toBe('JOB_ATTEMPTS_EXHAUSTED');
    expect(await findSubscription(world.lanyard.context.db, queued.subscription.id)).toMatchObject({ status: 'failed', lockedByChange: null });
    expect((await listChanges(world.lanyard.context.db, queued.subscription.id)).map((c) => [c.state, c.errorCode])).toEqual([['failed', 'JOB_ATTEMPTS_EXHAUSTED']]);
    expect((await order(margie, { quantity: '1' })).change.state).toBe('succeeded');
    expect((await pcState()).orders.filter((o) => o.customerId === margie.tenantId)).toHaveLength(1);
  });

  it('raises the quantity with a prorated billing line, lowers it for free inside the window, and keeps the consumed licences', async () => {
    const wingtip = await customer('wingtip');
    const { subscription } = await order(wingtip, { quantity: '2', term: 'P1Y', billing: 'annual' });
    const raised = await setQuantity(deps(), subscription.id, '5', 'cli:test');
    expect((await finish(raised)).state).toBe('succeeded');
    const row = (await findSubscription(world.lanyard.context.db, subscription.id))!;
    expect(row).toMatchObject({ quantity: 5, lockedByChange: null, refundableQuantity: 5 });
    const expected = increaseCharge({ unitPriceMinor: 10_000, added: 3, on: raised.change.createdAt, termStart: row.termStartDate!, termEnd: row.commitmentEndDate!, prorate: true });
    const lines = (await listBillingLines(world.lanyard.context.db, wingtip.partnerId)).filter((l) => l.subscriptionId === subscription.id);
    expect(lines.map((l) => [l.kind, l.quantity, l.amountMinor])).toEqual([['purchase', 2, 20_000], ['increase', 3, expected.amountMinor]]);
    expect(expected.amountMinor).toBeGreaterThan(29_000);
    expect((await pcState()).subscriptions.find((s) => s.id === row.partnerCenterId)?.quantity).toBe(5);

    // Two users hold licences: "prevent decrease" refuses going below 2, with the numbers.
    const pc = openPartnerCenter(deps(), await world.partner(), 'test');
    for (const name of ['ann', 'bob']) {
      const user = (await pc.call<{ id: string }>('POST', `/v1/customers/${wingtip.tenantId}/users`, { body: { userPrincipalName: `${name}@wingtip.onmicrosoft.com`, displayName: name, usageLocation: 'US', passwordProfile: { password: 'Passw0rd!x', forceChangePassword: true } } })).body;
      await pc.call('POST', `/v1/customers/${wingtip.tenantId}/users/${user.id}/licenseupdates`, { body: { licensesToAssign: [{ skuId: businessBasicSkuId }] } });
    }
    const refused = await setQuantity(deps(), subscription.id, '1', 'cli:test').catch((e: { code: string; details: unknown }) => e);
    expect(refused).toMatchObject({ code: 'CSP_DECREASE_BELOW_CONSUMED', details: { quantity: 1, consumed: 2 } });
    const lowered = await setQuantity(deps(), subscription.id, '2', 'cli:test');
    expect((await finish(lowered)).state).toBe('succeeded');
    expect((await findSubscription(world.lanyard.context.db, subscription.id))?.quantity).toBe(2);
    expect((await listBillingLines(world.lanyard.context.db, wingtip.partnerId)).filter((l) => l.subscriptionId === subscription.id)).toHaveLength(2);
    // With the setting off, the floor is Partner Center's minimum only.
    await world.lanyard.context.db.updateTable('cspPartners').set({ preventDecreaseBelowConsumed: 0 }).execute();
    try {
      expect((await finish(await setQuantity(deps(), subscription.id, '1', 'cli:test'))).state).toBe('succeeded');
    } finally {
      await world.lanyard.context.db.updateTable('cspPartners').set({ preventDecreaseBelowConsumed: 1 }).execute();
    }
    expect(await codeOf(setQuantity(deps(), subscription.id, '301', 'cli:test'))).toBe('CSP_QUANTITY_OUT_OF_RANGE');
    // Quantity 0 is a cost-free termination (inside the window).
    const zero = await setQuantity(deps(), subscription.id, '0', 'cli:test');
    expect(zero.change.kind).toBe('terminate');
    expect((await finish(zero)).state).toBe('succeeded');
    expect((await findSubscription(world.lanyard.context.db, subscription.id))?.status).toBe('deleted');
    expect((await pcState()).subscriptions.find((s) => s.id === row.partnerCenterId)?.status).toBe('deleted');
    expect((await listBillingLines(world.lanyard.context.db, wingtip.partnerId)).filter((l) => l.subscriptionId === subscription.id)).toHaveLength(2);
    expect(await codeOf(setQuantity(deps(), subscription.id, '3', 'cli:test'))).toBe('CSP_SUBSCRIPTION_NOT_CHANGEABLE');
  });

  it('locks a subscription while Microsoft provisions a slow (202) change, then finishes it', async () => {
    const proseware = await customer('proseware');
    const { subscription } = await order(proseware, { quantity: '1' });
    await world.control(`/partner-center/partners/${world.partnerTenant.id}/slow-changes`, 'PUT', { share: 1, seconds: 3 });
    try {
      const raised = await setQuantity(deps(), subscription.id, '4', 'cli:test');
      expect((await finish(raised, 0)).state).toBe('provisioning');
      expect((await findSubscription(world.lanyard.context.db, subscription.id))?.lockedByChange).toBe(raised.change.id);
      const locked = await setQuantity(deps(), subscription.id, '6', 'cli:test').catch((e: { code: string; details: unknown }) => e);
      expect(locked).toMatchObject({ code: 'CSP_SUBSCRIPTION_LOCKED', details: { change: raised.change.id } });
      expect(await codeOf(setAutoRenew(deps(), subscription.id, 'off', 'cli:test'))).toBe('CSP_SUBSCRIPTION_LOCKED');
      expect((await finish(raised, 30_000)).state).toBe('succeeded');
    } finally {
      await world.control(`/partner-center/partners/${world.partnerTenant.id}/slow-changes`, 'PUT', { share: 0 });
    }
    expect(await findSubscription(world.lanyard.context.db, subscription.id)).toMatchObject({ quantity: 4, lockedByChange: null });
    expect((await listBillingLines(world.lanyard.context.db, proseware.partnerId)).filter((l) => l.subscriptionId === subscription.id).map((l) => [l.kind, l.quantity])).toEqual([['purchase', 1], ['increase', 3]]);
  });

  it('terminates a legacy subscription in two steps: suspended now, deleted after the partner\'s delay by the periodic job', async () => {
    const fourth = await customer('fourthcoffee');
    const { subscription } = await order(fourth, { offerId: legacyE3, quantity: '2', term: 'P1Y', billing: 'monthly' });
    expect((await findSubscription(world.lanyard.context.db, subscription.id))).toMatchObject({ status: 'active', isNewCommerce: 0, unitPriceMinor: 24_000 });
    expect(await codeOf(scheduleQuantity(deps(), subscription.id, '1', 'cli:test'))).toBe('CSP_SUBSCRIPTION_NOT_CHANGEABLE');
    expect((await finish(await terminateSubscription(deps(), subscription.id, 'cli:test'))).state).toBe('succeeded');
    const suspended = (await findSubscription(world.lanyard.context.db, subscription.id))!;
    expect(suspended.status).toBe('suspended');
    expect(Date.parse(suspended.deleteAfter!) - clock.now().getTime()).toBeGreaterThan(119 * dayMs);
    expect((await pcState()).subscriptions.find((s) => s.id === suspended.partnerCenterId)?.status).toBe('suspended');

    const later = (days: number): Clock => ({ now: () => new Date(clock.now().getTime() + days * dayMs), sleep: systemClock.sleep });
    const runAt = async (days: number) => {
      const jobDeps = { ...deps(), clock: later(days) };
      await ensurePeriodicJob(world.lanyard.context.db, legacyDeletionJobKind, later(days).now());
      await world.lanyard.context.db.updateTable('jobs').set({ runAt: later(days).now().toISOString() }).where('kind', '=', legacyDeletionJobKind).execute();
      const runner = createJobRunner({ db: world.lanyard.context.db, dialect: world.lanyard.context.dialect, logger: world.lanyard.context.logger, clock: later(days), definitions: [legacyDeletionJob(jobDeps)] });
      await runner.runDue();
    };
    await runAt(100);
    expect((await findSubscription(world.lanyard.context.db, subscription.id))?.status).toBe('suspended');
    await runAt(121);
    expect((await findSubscription(world.lanyard.context.db, subscription.id))?.status).toBe('deleted');
    expect((await pcState()).subscriptions.find((s) => s.id === suspended.partnerCenterId)?.status).toBe('deleted');
  });

  it('co-terms a later purchase with the first one (aligned renewals), on its renewal period, priced pro rata', async () => {
    const northwind = await customer('northwindtraders');
    const first = await order(northwind, { term: 'P1Y', billing: 'annual', quantity: '1' });
    await world.lanyard.context.db.updateTable('cspPartners').set({ alignRenewals: 1 }).execute();
    try {
      await advance(30);
      const second = await order(northwind, { offerId: exchange, quantity: '2' });
      expect(second.change.state).toBe('succeeded');
      const firstRow = (await findSubscription(world.lanyard.context.db, first.subscription.id))!;
      const secondRow = (await findSubscription(world.lanyard.context.db, second.subscription.id))!;
      // The first purchase's renewal period (P1Y annual), and its commitment end.
      expect(secondRow).toMatchObject({ termDuration: 'P1Y', billingCycle: 'annual', customTermEndDate: firstRow.commitmentEndDate });
      expect(secondRow.commitmentEndDate!.slice(0, 10)).toBe(firstRow.commitmentEndDate!.slice(0, 10));
      const pcOrder = (await pcState()).orders.find((o) => o.lineItems[0]?.subscriptionId === secondRow.partnerCenterId)!;
      expect(pcOrder.lineItems[0]!.customTermEndDate).toBe(firstRow.commitmentEndDate);
      const expected = purchaseCharge({ unitPriceMinor: 4800, quantity: 2, on: secondRow.termStartDate!, duration: 'P1Y', customTermEnd: firstRow.commitmentEndDate });
      expect(expected.share).toBeLessThan(0.95);
      const line = (await listBillingLines(world.lanyard.context.db, northwind.partnerId)).find((l) => l.subscriptionId === secondRow.id)!;
      expect(line).toMatchObject({ kind: 'purchase', quantity: 2, amountMinor: expected.amountMinor, periodEnd: firstRow.commitmentEndDate!.slice(0, 10) });
    } finally {
      await world.lanyard.context.db.updateTable('cspPartners').set({ alignRenewals: 0 }).execute();
    }
  });

  it('outside the new-commerce window says so with Partner Center\'s codes, and the real alternatives work', async () => {
    const relecloud = await customer('relecloud');
    const { subscription } = await order(relecloud, { quantity: '3', term: 'P1Y', billing: 'annual' });
    await advance(8);
    const cancel = await terminateSubscription(deps(), subscription.id, 'cli:test').catch((e: { code: string; details: Record<string, unknown> }) => e);
    expect(cancel).toMatchObject({ code: 'CSP_OUTSIDE_CHANGE_WINDOW', details: { partnerCenterCode: '900117', cancellationAllowedUntilDate: expect.any(String) } });
    expect((cancel as unknown as { details: { alternatives: string[] } }).details.alternatives.join('\n')).toMatch(/auto-renew .* off[\s\S]*schedule-quantity/);
    const decrease = await setQuantity(deps(), subscription.id, '1', 'cli:test').catch((e: { code: string; details: Record<string, unknown> }) => e);
    expect(decrease).toMatchObject({ code: 'CSP_OUTSIDE_CHANGE_WINDOW', details: { partnerCenterCode: '800090', refundableQuantity: 0 } });
    // Increases go through any time.
    expect((await finish(await setQuantity(deps(), subscription.id, '4', 'cli:test'))).state).toBe('succeeded');
    expect((await finish(await setAutoRenew(deps(), subscription.id, 'off', 'cli:test'))).state).toBe('succeeded');
    expect((await finish(await scheduleQuantity(deps(), subscription.id, '1', 'cli:test'))).state).toBe('succeeded');
    const row = (await findSubscription(world.lanyard.context.db, subscription.id))!;
    expect(row).toMatchObject({ autoRenew: 0, scheduledQuantity: 1, quantity: 4, status: 'active' });
    const pcSubscription = (await pcState()).subscriptions.find((s) => s.id === row.partnerCenterId)!;
    expect(pcSubscription).toMatchObject({ autoRenewEnabled: false, scheduledNextTermInstructions: { quantity: 1 }, quantity: 4 });
    expect(await codeOf(setAutoRenew(deps(), subscription.id, 'maybe', 'cli:test'))).toBe('USAGE');
  });
});
