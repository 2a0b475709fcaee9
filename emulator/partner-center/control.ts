import type { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { readJsonBody } from '../http/body.ts';
import { EmulatorStateError } from '../state/store.ts';
import { PartnerCenterError } from './errors.ts';
import type { Partner } from './model.ts';
import { applyCustomerSeed, applyPartnerSeed, catalogFromSeed, catalogSchema, customerSchema, partnerSchema, partnerThrottleSchema } from './seed.ts';

const replaySchema = z.strictObject({ enabled: z.boolean() });
const slowChangesSchema = z.strictObject({ share: z.number().min(0).max(1), seconds: z.number().positive().optional() });

/**
 * `/_emulator/partner-center/…`: seed partners, customers and the catalog; switch throttling and the
 * share of slow (202) quantity changes. Registered on the control router, so loopback-only like the rest.
 */
export function registerPartnerCenterControlRoutes(router: Router, context: EmulatorContext): void {
  const { state } = context;
  const prefix = '/_emulator/partner-center';
  router.use(prefix, catalogErrors);
  router.get(`${prefix}/state`, (ctx) => {
    const partnerCenter = state.partnerCenter;
    ctx.body = {
      partners: [...partnerCenter.partners.values()],
      customers: [...partnerCenter.customers.values()].map((customer) => ({ ...customer, applicationConsents: [...customer.applicationConsents.values()] })),
      subscriptions: [...partnerCenter.subscriptions.values()],
      orders: [...partnerCenter.orders.values()],
      carts: [...partnerCenter.carts.values()],
      catalog: partnerCenter.catalog,
    };
  });
  router.post(`${prefix}/partners`, async (ctx) => {
    ctx.status = 201;
    ctx.body = applyPartnerSeed(state, partnerSchema.parse(await readJsonBody(ctx)));
  });
  router.put(`${prefix}/catalog`, async (ctx) => {
    state.partnerCenter.catalog = catalogFromSeed(catalogSchema.parse(await readJsonBody(ctx)));
    ctx.body = state.partnerCenter.catalog;
  });
  router.post(`${prefix}/customers`, async (ctx) => {
    applyCustomerSeed(state, customerSchema.parse(await readJsonBody(ctx)));
    ctx.status = 204;
  });
  router.put(`${prefix}/partners/:tenantId/throttle`, async (ctx) => {
    const partner = partnerOrThrow(context, ctx.params.tenantId);
    const input = partnerThrottleSchema.parse(await readJsonBody(ctx));
    partner.throttle = { ...partner.throttle, ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) };
    ctx.body = partner.throttle;
  });
  // { "enabled": false }: a retried call with the same MS-RequestId is not replayed (a new call).
  router.put(`${prefix}/partners/:tenantId/request-id-replay`, async (ctx) => {
    const partner = partnerOrThrow(context, ctx.params.tenantId);
    partner.replayRequestIds = replaySchema.parse(await readJsonBody(ctx)).enabled;
    ctx.body = { enabled: partner.replayRequestIds };
  });
  router.put(`${prefix}/partners/:tenantId/slow-changes`, async (ctx) => {
    const partner = partnerOrThrow(context, ctx.params.tenantId);
    const input = slowChangesSchema.parse(await readJsonBody(ctx));
    partner.slowChangeShare = input.share;
    partner.slowChangeCredit = 0;
    if (input.seconds !== undefined) partner.slowChangeSeconds = input.seconds;
    ctx.body = { share: partner.slowChangeShare, seconds: partner.slowChangeSeconds };
  });
}

/** Catalog lookups in seeds (an unknown offer id) are the caller's mistake: 400. */
async function catalogErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof PartnerCenterError)) throw error;
    ctx.status = 400;
    ctx.body = { error: error.description };
  }
}

function partnerOrThrow(context: EmulatorContext, idOrName: string | undefined): Partner {
  const tenant = context.state.findTenant(idOrName ?? '') ?? [...context.state.tenants.values()].find((candidate) => candidate.name === idOrName);
  const partner = tenant && context.state.partnerCenter.partners.get(tenant.id);
  if (!partner) throw new EmulatorStateError(`partner ${idOrName ?? ''} not found`, 'not-found');
  return partner;
}
