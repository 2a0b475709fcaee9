import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCustomerByRef, insertCustomer, recordAgreementAcceptance } from '../../csp/data/customers.ts';
import type { CspCustomer } from '../../csp/data/tables.ts';
import { runCli } from '../harness/cli.ts';
import { businessBasic, legacyE3, startCspWorld, testCatalog, type CspWorld } from './csp-harness.ts';

/** RFC 4180: fields separated by commas, rows by CRLF, a quoted field may hold both (and "" for a quote). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += c;
  }
  return rows;
}

const entry = path.resolve(import.meta.dirname, '../../bin/lanyard.mjs');
const catalog = {
  ...testCatalog,
  products: [{ ...testCatalog.products[0]!, skus: [{ ...testCatalog.products[0]!.skus[0]!, availabilities: [{ id: 'CFQ7TTC0K971', terms: [{ duration: 'P1M', billingCycle: 'monthly', listPrice: 6 }, { duration: 'P1Y', billingCycle: 'annual', listPrice: 100, currencyCode: 'EUR' }] }] }] }],
};

/**
 * `lanyard csp offer | subscription | billing` as real processes against the emulator, on the
 * database of a running Lanyard: an order killed with SIGKILL in the middle of its checkout and run
 * again makes one order in Partner Center and one subscription in Lanyard; billing export as CSV
 * and JSON, field by field.
 */
describe('csp subscription commands', () => {
  let world: CspWorld;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli([...args, '--json'], env);
  const codeOf = (result: { stderr: string }) => (JSON.parse(result.stderr) as { error: { code: string } }).error.code;
  const pcState = async () => (await (await world.control('/partner-center/state', 'GET')).json()) as { orders: { customerId: string }[]; carts: { customerId: string }[]; subscriptions: { id: string; customerId: string; quantity: number }[] };

  async function customer(name: string): Promise<CspCustomer> {
    const tenant = world.seedCustomer(name, { mcaAccepted: true });
    const row = (await insertCustomer(world.lanyard.context.db, { partnerId: (await world.partner()).id, tenantId: tenant.id, domain: `${name}.onmicrosoft.com`, companyName: name, country: 'US', email: null, resellerId: null, organizationId: null, source: 'created' }))!;
    await recordAgreementAcceptance(world.lanyard.context.db, row.id, { by: 'cli:test', contact: { firstName: 'Ada', lastName: 'Admin', email: `ada@${name}.example` } });
    return (await findCustomerByRef(world.lanyard.context.db, row.domain))!;
  }

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    expect((await world.control('/partner-center/catalog', 'PUT', catalog)).status).toBe(200);
    env = { ...world.lanyard.env, PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: world.emulator.caCertPath, LANYARD_LOG_LEVEL: 'silent' };
  });
  afterAll(async () => {
    await world.stop();
  });

  it('lists the offers with their terms and prices', async () => {
    const listed = await cli(['csp', 'offer', 'list', world.partnerSlug, '--country', 'us']);
    expect(listed.code, listed.stderr).toBe(0);
    const offers = listed.json<{ offerId: string; terms: { termDuration: string; unitPriceMinor: number; currency: string }[] }[]>();
    expect(offers.map((offer) => offer.offerId)).toEqual([legacyE3, businessBasic]);
    expect(offers[1]!.terms.map((term) => [term.termDuration, term.unitPriceMinor, term.currency])).toEqual([['P1M', 600, 'USD'], ['P1Y', 10_000, 'EUR']]);
    expect(codeOf(await cli(['csp', 'offer', 'list', 'nobody']))).toBe('CSP_PARTNER_NOT_FOUND');
  });

  // Two moments to die at: while Partner Center holds the checkout (the emulator drops a request
  // whose client is gone, so no order yet), and after Partner Center placed the order but before
  // Lanyard recorded it (the order exists, Lanyard never heard back: only the replay finds it).
  it.each([
    { moment: 'during the checkout', customerName: 'fabrikam', pathPattern: (tenant: string) => `^/v1/customers/${tenant}/carts/[^/]+/checkout$`, method: 'POST', ordersAtKill: [0, 1] },
    { moment: 'after Partner Center placed the order', customerName: 'contoso', pathPattern: (tenant: string) => `^/v1/customers/${tenant}/subscriptions/[^/]+$`, method: 'GET', ordersAtKill: [1] },
  ])('an order killed with SIGKILL $moment, run again, makes one order and one subscription', async ({ customerName, pathPattern, method, ordersAtKill }) => {
    const who = await customer(customerName);
    const orders = async () => (await pcState()).orders.filter((o) => o.customerId === who.tenantId).length;
    await world.control('/faults', 'POST', { pathPattern: pathPattern(who.tenantId), method, latencyMilliseconds: 4000, count: 1 });
    const args = ['csp', 'subscription', 'order', who.domain, '--offer', businessBasic, '--quantity', '2', '--term', 'P1Y', '--billing', 'annual', '--json'];
    const child = spawn(process.execPath, [entry, ...args], { env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const reached = method === 'POST'
      ? async () => (await pcState()).carts.some((cart) => cart.customerId === who.tenantId)
      : async () => (await orders()) === 1;
    for (let i = 0; i < 200 && !(await reached()); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 700)); // the delayed request is now in flight
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const db = world.lanyard.context.db;
    const [left] = await db.selectFrom('cspSubscriptions').selectAll().where('customerId', '=', who.id).execute();
    expect(left).toMatchObject({ status: 'ordering', partnerCenterId: null });
    const [change] = await db.selectFrom('cspSubscriptionChanges').selectAll().where('subscriptionId', '=', left!.id).execute();
    expect(change).toMatchObject({ kind: 'order', state: 'submitted', cartId: expect.any(String) });
    expect((await db.selectFrom('jobs').selectAll().where('id', '=', change!.jobId!).executeTakeFirstOrThrow()).state).toBe('running');
    await new Promise((r) => setTimeout(r, 4000)); // let the delayed request end, whatever it does
    expect(ordersAtKill).toContain(await orders());

    // Run again: it resumes the same change (same MS-RequestIds) once the dead process's lease expires.
    const again = await runCli(args, env);
    expect(again.code, again.stderr).toBe(0);
    const ordered = again.json<{ id: string; status: string; quantity: number; partnerCenterId: string; change: { id: string; state: string; requestId: string } }>();
    expect(ordered).toMatchObject({ id: left!.id, status: 'active', quantity: 2, change: { id: change!.id, state: 'succeeded', requestId: change!.requestId } });
    const state = await pcState();
    expect(state.orders.filter((o) => o.customerId === who.tenantId)).toHaveLength(1);
    expect(state.subscriptions.filter((s) => s.customerId === who.tenantId).map((s) => s.id)).toEqual([ordered.partnerCenterId]);
    expect(await db.selectFrom('cspSubscriptions').select('id').where('customerId', '=', who.id).execute()).toHaveLength(1);
    expect((await db.selectFrom('jobs').selectAll().where('id', '=', change!.jobId!).executeTakeFirstOrThrow())).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(await db.selectFrom('cspBillingLines').select('id').where('customerId', '=', who.id).execute()).toHaveLength(1);
    // A third time it is an existing subscription, not a new order.
    const third = await runCli(args, env);
    expect([third.code, codeOf(third)]).toEqual([1, 'CSP_SUBSCRIPTION_EXISTS']);
  });

  it('lists, shows and changes subscriptions, and refuses bad input with stable codes', async () => {
    const listed = await cli(['csp', 'subscription', 'list', 'fabrikam.onmicrosoft.com']);
    expect(listed.code, listed.stderr).toBe(0);
    const [subscription] = listed.json<{ id: string; partnerCenterId: string; name: string; quantity: number; status: string; locked: boolean; unitPrice: string; currency: string }[]>();
    expect(subscription).toMatchObject({ name: 'Microsoft 365 Business Basic', quantity: 2, status: 'active', locked: false, unitPrice: '100.00', currency: 'EUR' });
    const shown = await cli(['csp', 'subscription', 'show', subscription!.partnerCenterId]);
    expect(shown.json()).toMatchObject({ id: subscription!.id, openChanges: [], refundableQuantity: 2, autoRenew: true, newCommerce: true, cancellationAllowedUntil: expect.any(String) });
    const raised = await cli(['csp', 'subscription', 'set-quantity', subscription!.id, '3']);
    expect(raised.code, raised.stderr).toBe(0);
    expect(raised.json()).toMatchObject({ quantity: 3, change: { kind: 'quantity', state: 'succeeded' } });
    expect(codeOf(await cli(['csp', 'subscription', 'set-quantity', subscription!.id, 'lots']))).toBe('CSP_QUANTITY_INVALID');
    expect(codeOf(await cli(['csp', 'subscription', 'set-quantity', subscription!.id, '301']))).toBe('CSP_QUANTITY_OUT_OF_RANGE');
    expect(codeOf(await cli(['csp', 'subscription', 'show', 'no-such']))).toBe('CSP_SUBSCRIPTION_NOT_FOUND');
    expect(codeOf(await cli(['csp', 'subscription', 'list', 'nobody.onmicrosoft.com']))).toBe('CSP_CUSTOMER_NOT_FOUND');
    expect(codeOf(await cli(['csp', 'subscription', 'order', 'fabrikam.onmicrosoft.com', '--quantity', '1']))).toBe('USAGE');
    expect((await cli(['csp', 'subscription', 'auto-renew', subscription!.id, 'off'])).json()).toMatchObject({ autoRenew: false });
    expect((await cli(['csp', 'subscription', 'schedule-quantity', subscription!.id, '1'])).json()).toMatchObject({ scheduledQuantity: 1 });
  });

  it('shows and changes a partner\'s subscription settings, checking them all before writing', async () => {
    const shown = await cli(['csp', 'partner', 'subscription-settings', world.partnerSlug]);
    expect(shown.json()).toEqual({ partner: world.partnerSlug, alignRenewals: false, preventDecreaseBelowConsumed: true, legacyTerminationDays: 120, licenceCapPerCustomer: null });
    const bad = await cli(['csp', 'partner', 'subscription-settings', world.partnerSlug, '--align-renewals', 'on', '--legacy-termination-days', 'soon']);
    expect(codeOf(bad)).toBe('CSP_SETTING_INVALID');
    expect((await world.partner()).alignRenewals).toBe(0);
    const changed = await cli(['csp', 'partner', 'subscription-settings', world.partnerSlug, '--align-renewals', 'on', '--prevent-decrease', 'off', '--legacy-termination-days', '90', '--licence-cap', '25']);
    expect(changed.json()).toEqual({ partner: world.partnerSlug, alignRenewals: true, preventDecreaseBelowConsumed: false, legacyTerminationDays: 90, licenceCapPerCustomer: 25 });
    const reset = await cli(['csp', 'partner', 'subscription-settings', world.partnerSlug, '--align-renewals', 'off', '--prevent-decrease', 'on', '--legacy-termination-days', '120', '--licence-cap', 'unlimited']);
    expect(reset.json()).toEqual(shown.json());
  });

  it('exports the billing lines as CSV and JSON, field by field', async () => {
    const db = world.lanyard.context.db;
    const partner = await world.partner();
    const lines = await db.selectFrom('cspBillingLines').selectAll().where('partnerId', '=', partner.id).orderBy('createdAt').orderBy('id').execute();
    const customers = new Map((await db.selectFrom('cspCustomers').selectAll().execute()).map((row) => [row.id, row]));
    const subscriptions = new Map((await db.selectFrom('cspSubscriptions').selectAll().execute()).map((row) => [row.id, row]));
    const fabrikam = (await findCustomerByRef(db, 'fabrikam.onmicrosoft.com'))!;
    expect(lines.filter((line) => line.customerId === fabrikam.id).map((line) => [line.kind, line.quantity])).toEqual([['purchase', 2], ['increase', 1]]);
    expect(lines).toHaveLength(3); // and contoso's purchase
    const json = await cli(['csp', 'billing', 'export', world.partnerSlug, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const exported = json.json<Record<string, unknown>[]>();
    const money = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
    expect(exported).toEqual(lines.map((line) => ({
      id: line.id,
      createdAt: line.createdAt,
      customer: customers.get(line.customerId)!.domain,
      customerTenantId: customers.get(line.customerId)!.tenantId,
      subscription: line.subscriptionId,
      partnerCenterSubscriptionId: subscriptions.get(line.subscriptionId)!.partnerCenterId,
      offerId: businessBasic,
      kind: line.kind,
      description: line.description,
      quantity: line.quantity,
      unitPrice: '100.00',
      share: line.share,
      amount: money(line.amountMinor),
      currency: 'EUR',
      priceSource: 'catalog',
      periodStart: line.periodStart,
      periodEnd: line.periodEnd,
    })));
    const fabrikamLines = exported.filter((line) => line.customer === 'fabrikam.onmicrosoft.com');
    expect(fabrikamLines[0]).toMatchObject({ kind: 'purchase', quantity: 2, share: '1.0000', amount: '200.00', description: 'Microsoft 365 Business Basic: 2 × P1Y annual' });
    // Raised 2 → 3 on the term's first day: (nearly) the whole year of one licence.
    expect(fabrikamLines[1]).toMatchObject({ kind: 'increase', quantity: 1, description: 'Microsoft 365 Business Basic: 2 → 3 licences, prorated' });
    expect(Number(fabrikamLines[1]!.share)).toBeGreaterThan(0.99);

    const csv = await runCli(['csp', 'billing', 'export', world.partnerSlug, '--format', 'csv'], env);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = parseCsv(csv.stdout);
    expect(csv.stdout.endsWith('\r\n')).toBe(true);
    expect(csv.stdout).toContain('"Microsoft 365 Business Basic: 2 → 3 licences, prorated"'); // quoted: it holds a comma
    expect(rows[0]).toEqual(['id', 'createdAt', 'customer', 'customerTenantId', 'subscription', 'partnerCenterSubscriptionId', 'offerId', 'kind', 'description', 'quantity', 'unitPrice', 'share', 'amount', 'currency', 'priceSource', 'periodStart', 'periodEnd']);
    expect(rows.slice(1)).toEqual(exported.map((line) => Object.values(line).map(String)));
    // --since a later day exports nothing; bad input has stable codes.
    expect((await cli(['csp', 'billing', 'export', world.partnerSlug, '--since', '2999-01-01', '--format', 'json'])).json()).toEqual([]);
    expect(codeOf(await cli(['csp', 'billing', 'export', world.partnerSlug, '--since', 'yesterday']))).toBe('CSP_DATE_INVALID');
    expect(codeOf(await cli(['csp', 'billing', 'export', world.partnerSlug, '--format', 'xml']))).toBe('CSP_BILLING_FORMAT_INVALID');
  });
});
