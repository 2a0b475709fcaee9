import type Router from '@koa/router';
import type { Context } from 'koa';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import { readQuery } from '../../core/http/form-body.ts';
import { listChanges, listSubscriptions } from '../../csp/data/subscriptions.ts';
import type { CspCustomer, CspPartner, CspSubscription } from '../../csp/data/tables.ts';
import { openPartnerCenter } from '../../csp/partner-center/open-partner-center.ts';
import { previewOrder, previewQuantity, previewTermination } from '../../csp/subscriptions/change-preview.ts';
import { listOffers, type Offer } from '../../csp/subscriptions/offers.ts';
import { orderSubscription, scheduleQuantity, setAutoRenew, setQuantity, subscriptionOrThrow, terminateSubscription, type OrderRequest } from '../../csp/subscriptions/subscription-service.ts';
import { changeView, subscriptionView } from '../../csp/subscriptions/subscription-view.ts';
import { customerTarget, requireCustomerFor } from '../admins.ts';
import type { RouteKit } from '../domain-routes.ts';
import { can, type Action } from '../policy.ts';
import type { PortalDeps } from '../session/deps.ts';
import type { AdminRequest } from '../session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from '../session/reauth.ts';
import { cspPost, cspServiceDeps, optional } from './csp-action-kit.ts';
import { orderPreviewBody, previewRefusedBody, quantityPreviewBody, subscriptionsBody, subscriptionsPath, terminationBody, type SubscriptionRow } from './subscription-pages.ts';

const notices: Record<string, string> = {
  order: 'The order is queued: Partner Center places it in a job; its state shows under Changes.',
  quantity: 'The quantity change is queued: its state shows under Changes.',
  terminate: 'The termination is queued: its state shows under Changes.',
  'auto-renew': 'The auto-renew change is queued: its state shows under Changes.',
  schedule: 'The next term\u2019s quantity is queued: its state shows under Changes.',
};

/** How many of a subscription's changes the page lists (newest first). */
const changesShown = 5;

/**
 * The customer's Subscriptions page and its actions, each through the service `lanyard csp
 * subscription …` calls (csp/subscriptions/subscription-service.ts): order and change quantity each
 * previewed first (the change's own checks and the charge its billing line will carry, nothing
 * written), then confirmed by a post that queues the change's job; terminate previewed with
 * Microsoft's window explained, then confirmed with re-authentication. JSON twins under
 * /admin/api/csp: the list, the catalog, each preview, each action (same form fields and CSRF token).
 */
export function registerSubscriptionRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db } = deps.context;
  const services = () => cspServiceDeps(deps);
  const prefix = ':partner/customers/:customer/subscriptions';

  async function scope(ctx: Context, request: AdminRequest, action: Action) {
    return requireCustomerFor(db, request.admin, action, ctx.params.partner!, ctx.params.customer!);
  }

  /** The subscription named in the URL, only as one of this customer's: another's is not found here. */
  async function subscriptionOf(customer: CspCustomer, ref: string): Promise<CspSubscription> {
    const subscription = await subscriptionOrThrow(db, ref).catch(() => undefined);
    if (!subscription || subscription.customerId !== customer.id) {
      throw new LanyardError('CSP_SUBSCRIPTION_NOT_FOUND', `no subscription "${ref}" of this customer`);
    }
    return subscription;
  }

  async function rowsOf(customer: CspCustomer): Promise<SubscriptionRow[]> {
    const subscriptions = await listSubscriptions(db, customer.id);
    return Promise.all(subscriptions.map(async (subscription) => ({
      view: subscriptionView(subscription),
      changes: (await listChanges(db, subscription.id)).map(changeView).sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, changesShown),
    })));
  }

  async function catalog(request: AdminRequest, partner: CspPartner, customer: CspCustomer): Promise<Offer[]> {
    return listOffers(openPartnerCenter(services(), partner, request.admin.actor), customer.country ?? 'US');
  }

  router.get(`/admin/csp/${prefix}`, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const { partner, customer } = await scope(ctx, request, 'csp.customer.view');
    const target = customerTarget(customer);
    const mayOrder = can(request.admin, 'csp.subscriptions.order', target);
    let offers: Offer[] | null = null;
    let offersError: string | undefined;
    if (mayOrder) {
      try {
        offers = await catalog(request, partner, customer);
      } catch (error) {
        if (!isLanyardError(error)) throw error;
        offersError = `The catalog could not be read: ${error.message} (${error.code})`;
      }
    }
    const done = readQuery(ctx).get('done');
    kit.page(ctx, request, `Subscriptions · ${customer.companyName}`, subscriptionsBody({
      partner, customer, rows: await rowsOf(customer), offers, offersError, csrfToken: request.csrfToken, mayOrder,
      mayChange: can(request.admin, 'csp.subscriptions.change', target),
      mayTerminate: can(request.admin, 'csp.subscriptions.terminate', target),
      now: deps.clock.now(), notice: done ? notices[done] : undefined,
    }), { partner, customer });
  });

  router.get(`/admin/api/csp/${prefix}`, async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const { customer } = await scope(ctx, request, 'csp.customer.view');
    ctx.body = { subscriptions: (await rowsOf(customer)).map(({ view, changes }) => ({ ...view, changes })) };
  });

  router.get(`/admin/api/csp/${prefix}/offers`, async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const { partner, customer } = await scope(ctx, request, 'csp.subscriptions.order');
    ctx.body = { offers: await catalog(request, partner, customer) };
  });

  /**
   * A preview GET: the page shows it (or the check that refused it, with the way back); the JSON
   * twin answers it (or the refusal as the error it is).
   */
  const preview = <T>(path: string, action: Action, title: string, compute: (ctx: Context, request: AdminRequest, partner: CspPartner, customer: CspCustomer) => Promise<T>, render: (ctx: Context, request: AdminRequest, partner: CspPartner, customer: CspCustomer, result: T) => void) => {
    router.get(`/admin/csp/${prefix}/${path}`, async (ctx) => {
      const request = await kit.pageSession(ctx, deps);
      if (!request) return;
      const { partner, customer } = await scope(ctx, request, action);
      let result: T;
      try {
        result = await compute(ctx, request, partner, customer);
      } catch (error) {
        if (!isLanyardError(error) || error.status >= 500) throw error;
        ctx.status = error.status;
        kit.page(ctx, request, title, previewRefusedBody(partner, customer, title, error.message, error.code), { partner, customer });
        return;
      }
      render(ctx, request, partner, customer, result);
    });
    router.get(`/admin/api/csp/${prefix}/${path}`, async (ctx) => {
      const request = await kit.apiSession(ctx, deps);
      const { partner, customer } = await scope(ctx, request, action);
      ctx.body = await compute(ctx, request, partner, customer);
    });
  };

  /** An action's post, page and JSON twin: the page goes back to the list (the change's state shows there). */
  const action = (path: string, name: Action, done: string, run: (form: Map<string, string>, request: AdminRequest, ctx: Context, customer: CspCustomer) => Promise<{ subscription: CspSubscription; change: Parameters<typeof changeView>[0] }>) => {
    for (const json of [false, true]) {
      router.post(`${json ? '/admin/api/csp' : '/admin/csp'}/${prefix}${path}`, async (ctx) => {
        const { request, form } = await cspPost(ctx, deps, kit);
        const { partner, customer } = await scope(ctx, request, name);
        const queued = await run(form, request, ctx, customer);
        if (json) {
          ctx.status = 202;
          ctx.body = { ...subscriptionView(queued.subscription), change: changeView(queued.change) };
          return;
        }
        ctx.status = 303;
        ctx.redirect(`${subscriptionsPath(partner, customer)}?done=${done}`);
      });
    }
  };

  const orderRequestOf = (customer: CspCustomer, fields: Map<string, string>): OrderRequest => ({
    customer: customer.tenantId,
    offerId: fields.get('offer') ?? '',
    quantity: fields.get('quantity') ?? '',
    ...(optional(fields, 'term') ? { term: optional(fields, 'term')! } : {}),
    ...(optional(fields, 'billing') ? { billing: optional(fields, 'billing')! } : {}),
    ...(optional(fields, 'name') ? { name: optional(fields, 'name')! } : {}),
  });

  preview('order', 'csp.subscriptions.order', 'Order a subscription',
    (ctx, request, _partner, customer) => previewOrder(services(), orderRequestOf(customer, readQuery(ctx)), request.admin.actor),
    (ctx, request, partner, customer, result) => {
      const query = readQuery(ctx);
      kit.page(ctx, request, `Order ${result.offerName}`, orderPreviewBody(partner, customer, result, { term: optional(query, 'term') ?? '', billing: optional(query, 'billing') ?? '', name: optional(query, 'name') ?? '' }, request.csrfToken), { partner, customer });
    });
  action('', 'csp.subscriptions.order', 'order', (form, request, _ctx, customer) => orderSubscription(services(), orderRequestOf(customer, form), request.admin.actor));

  preview(':subscription/quantity', 'csp.subscriptions.change', 'Change the quantity',
    async (ctx, request, _partner, customer) => previewQuantity(services(), (await subscriptionOf(customer, ctx.params.subscription!)).id, readQuery(ctx).get('quantity') ?? '', request.admin.actor),
    (ctx, request, partner, customer, result) => kit.page(ctx, request, `Change ${result.subscription.name}`, quantityPreviewBody(partner, customer, result, request.csrfToken), { partner, customer }));
  // 0 would terminate: here that is the terminate action's (its own role and re-authentication), never a quantity.
  action('/:subscription/quantity', 'csp.subscriptions.change', 'quantity', async (form, request, ctx, customer) =>
    setQuantity(services(), (await subscriptionOf(customer, ctx.params.subscription!)).id, form.get('quantity') ?? '', request.admin.actor, { allowTermination: false }));

  preview(':subscription/terminate', 'csp.subscriptions.terminate', 'Terminate a subscription',
    async (ctx, request, _partner, customer) => previewTermination(services(), (await subscriptionOf(customer, ctx.params.subscription!)).id, request.admin.actor),
    (ctx, request, partner, customer, result) => kit.page(ctx, request, `Terminate ${result.subscription.name}`, terminationBody(partner, customer, result, request.csrfToken, hasFreshSecondFactor(deps, request), can(request.admin, 'csp.subscriptions.change', customerTarget(customer))), { partner, customer }));
  action('/:subscription/terminate', 'csp.subscriptions.terminate', 'terminate', async (form, request, ctx, customer) => {
    const subscription = await subscriptionOf(customer, ctx.params.subscription!);
    await requireFreshSecondFactor(ctx, deps, request, 'csp.subscriptions.terminate', form.get('code'));
    return terminateSubscription(services(), subscription.id, request.admin.actor);
  });

  // The alternatives outside Microsoft's window (docs/csp.md): auto-renew off, fewer licences next term.
  action('/:subscription/auto-renew', 'csp.subscriptions.change', 'auto-renew', async (form, request, ctx, customer) =>
    setAutoRenew(services(), (await subscriptionOf(customer, ctx.params.subscription!)).id, form.get('state') ?? '', request.admin.actor));
  action('/:subscription/schedule', 'csp.subscriptions.change', 'schedule', async (form, request, ctx, customer) =>
    scheduleQuantity(services(), (await subscriptionOf(customer, ctx.params.subscription!)).id, form.get('quantity') ?? '', request.admin.actor));
}
