import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { ensurePeriodicJob } from '../../core/jobs/job-store.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findCustomerByRef, insertCustomer, recordAgreementAcceptance } from '../../csp/data/customers.ts';
import { findSubscription, listChanges } from '../../csp/data/subscriptions.ts';
import type { CspCustomer } from '../../csp/data/tables.ts';
import { abandonedChangeSweepKind } from '../../csp/subscriptions/abandoned-change-sweep.ts';
import { runChangeToEnd } from '../../csp/subscriptions/run-change.ts';
import { orderSubscription } from '../../csp/subscriptions/subscription-service.ts';
import { dialects } from '../harness/databases.ts';
import { businessBasic, startCspWorld, type CspWorld } from './csp-harness.ts';

const clock: Clock = { now: () => new Date(), sleep: systemClock.sleep };

/**
 * Subscription changes when things go wrong: a change whose job used up its attempts (every holder
 * died) is ended by `lanyard serve`'s own job runner (the periodic sweep), with no CLI command for
 * it; a retried checkout that Partner Center does not replay (800065 "cart already submitted") finds
 * the order the first checkout placed instead of failing.
 */
describe.each(dialects)('CSP subscription robustness on %s', (dialect) => {
  let world: CspWorld;
  const deps = () => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock });
  const runDeps = () => ({ ...deps(), dialect: world.lanyard.context.dialect, logger: world.lanyard.context.logger });
  const pcState = async () => (await (await world.control('/partner-center/state', 'GET')).json()) as { orders: { id: string; customerId: string; lineItems: { subscriptionId: string }[] }[]; subscriptions: { id: string; customerId: string }[]; carts: { customerId: string; status: string }[] };

  async function customer(name: string): Promise<CspCustomer> {
    const tenant = world.seedCustomer(name);
    const partner = await world.partner();
    const row = (await insertCustomer(world.lanyard.context.db, { partnerId: partner.id, tenantId: tenant.id, domain: `${name}.onmicrosoft.com`, companyName: name, country: 'US', email: null, resellerId: null, organizationId: null, source: 'created' }))!;
    await recordAgreementAcceptance(world.lanyard.context.db, row.id, { by: 'cli:test', contact: { firstName: 'Ada', lastName: 'Admin', email: `ada@${name}.example` } });
    return (await findCustomerByRef(world.lanyard.context.db, row.domain))!;
  }

  beforeAll(async () => {
    world = await startCspWorld(dialect);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('`serve` ends a change whose job ran out of attempts: failed, lock released, the offer free again', async () => {
    const margie = await customer('margiesweep');
    const queued = await orderSubscription(deps(), { customer: margie.domain, offerId: businessBasic, quantity: '1' }, 'cli:test');
    const db = world.lanyard.context.db;
    // As if every attempt had crashed its node: attempts used up, leased by a dead holder.
    await db.updateTable('jobs').set({ state: 'running', attempts: 10, leaseOwner: 'dead-node', leaseExpiresAt: new Date(Date.now() - 1000).toISOString() }).where('id', '=', queued.change.jobId!).execute();

    // serve's runner takes the job over and ends it failed; the change does not know yet.
    await world.lanyard.server.jobs.runDue();
    expect((await db.selectFrom('jobs').select(['state', 'lastErrorCode']).where('id', '=', queued.change.jobId!).executeTakeFirstOrThrow())).toMatchObject({ state: 'failed', lastErrorCode: 'JOB_ATTEMPTS_EXHAUSTED' });
    expect(await findSubscription(db, queued.subscription.id)).toMatchObject({ status: 'ordering', lockedByChange: queued.change.id });

    // The periodic sweep (registered by the csp module, so serve runs it) ends the change.
    await ensurePeriodicJob(db, abandonedChangeSweepKind, new Date());
    await world.lanyard.server.jobs.runDue();
    expect(await findSubscription(db, queued.subscription.id)).toMatchObject({ status: 'failed', lockedByChange: null });
    expect((await listChanges(db, queued.subscription.id)).map((c) => [c.state, c.errorCode])).toEqual([['failed', 'JOB_ATTEMPTS_EXHAUSTED']]);
    const sweep = await db.selectFrom('jobs').selectAll().where('kind', '=', abandonedChangeSweepKind).executeTakeFirstOrThrow();
    expect(JSON.parse(sweep.result ?? '{}')).toEqual({ ended: [queued.change.id] });

    // The offer is free: a new order goes through.
    const again = await orderSubscription(deps(), { customer: margie.domain, offerId: businessBasic, quantity: '1' }, 'cli:test');
    expect((await runChangeToEnd(runDeps(), again.change.id, 20_000)).state).toBe('succeeded');
  });

  it('a retried checkout answered 800065 (no MS-RequestId replay) finds the order the first one placed: one order, recorded', async () => {
    expect((await world.control(`/partner-center/partners/${world.partnerTenant.id}/request-id-replay`, 'PUT', { enabled: false })).status).toBe(200);
    try {
      const tailspin = await customer('tailspinreplay');
      // The first checkout goes through at Partner Center, its answer is lost.
      await world.control('/faults', 'POST', { pathPattern: `^/v1/customers/${tailspin.tenantId}/carts/[^/]+/checkout$`, method: 'POST', dropConnection: 'after', count: 1 });
      const queued = await orderSubscription(deps(), { customer: tailspin.domain, offerId: businessBasic, quantity: '3', name: 'Office seats' }, 'cli:test');
      const change = await runChangeToEnd(runDeps(), queued.change.id, 20_000);
      expect(change.state).toBe('succeeded');
      const state = await pcState();
      const orders = state.orders.filter((o) => o.customerId === tailspin.tenantId);
      expect(orders).toHaveLength(1);
      expect(state.subscriptions.filter((s) => s.customerId === tailspin.tenantId)).toHaveLength(1);
      expect(state.carts.filter((c) => c.customerId === tailspin.tenantId).map((c) => c.status)).toEqual(['Ordered']);
      expect(await findSubscription(world.lanyard.context.db, queued.subscription.id)).toMatchObject({ status: 'active', orderId: orders[0]!.id, partnerCenterId: orders[0]!.lineItems[0]!.subscriptionId, quantity: 3, lockedByChange: null });
      const job = await world.lanyard.context.db.selectFrom('jobs').selectAll().where('id', '=', change.jobId!).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ state: 'succeeded', attempts: 2 });
    } finally {
      await world.control(`/partner-center/partners/${world.partnerTenant.id}/request-id-replay`, 'PUT', { enabled: true });
    }
  });

  it('800065 with no order to match fails the change with CSP_PLACED_ORDER_NOT_FOUND (nothing guessed); import then records what Partner Center has', async () => {
    expect((await world.control(`/partner-center/partners/${world.partnerTenant.id}/request-id-replay`, 'PUT', { enabled: false })).status).toBe(200);
    try {
      const fabrikam = await customer('fabrikamreplay');
      await world.control('/faults', 'POST', { pathPattern: `^/v1/customers/${fabrikam.tenantId}/carts/[^/]+/checkout$`, method: 'POST', dropConnection: 'after', count: 1 });
      const queued = await orderSubscription(deps(), { customer: fabrikam.domain, offerId: businessBasic, quantity: '2' }, 'cli:test');
      // First attempt: the checkout goes through, its answer is lost; the retry waits its backoff.
      await world.lanyard.server.jobs.runDue();
      const placed = [...world.emulator.state.partnerCenter.orders.values()].filter((order) => order.customerId === fabrikam.tenantId);
      expect(placed).toHaveLength(1);
      // The order list no longer shows it (as if listed elsewhere): the retry's 800065 has nothing to match.
      world.emulator.state.partnerCenter.orders.delete(placed[0]!.id);
      const failed = await runChangeToEnd(runDeps(), queued.change.id, 20_000).then(() => undefined, (error: unknown) => error);
      expect(failed).toMatchObject({ code: 'CSP_PLACED_ORDER_NOT_FOUND', details: { partnerCenterCode: '800065', candidates: [] } });
      expect(await findSubscription(world.lanyard.context.db, queued.subscription.id)).toMatchObject({ status: 'failed', lockedByChange: null });

      const imported = await importCustomers({ ...deps(), config: { smtp: undefined } }, world.partnerSlug, { dryRun: false }, 'cli:test');
      const rows = imported.customers.find((c) => c.domain === fabrikam.domain)!.subscriptionRows;
      expect(rows).toMatchObject([{ outcome: 'created', offerId: businessBasic, quantity: 2 }]);
    } finally {
      await world.control(`/partner-center/partners/${world.partnerTenant.id}/request-id-replay`, 'PUT', { enabled: true });
    }
  });
});
