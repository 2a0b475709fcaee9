import type { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { readJsonBody } from '../http/body.ts';
import { defaultGraphQuirks, graphQuirksSchema } from '../graph/quirks.ts';
import { faultSchema } from '../http/faults.ts';
import { registerPartnerCenterControlRoutes } from '../partner-center/control.ts';
import type { Tenant } from '../state/model.ts';
import { applyDomainSeed, applyTenantSeed, definedOnly, domainSchema, skuSchema, tenantSchema, throttleSchema, userSchema } from '../state/seed.ts';
import { EmulatorStateError } from '../state/store.ts';
import { registerDelegatedAccessControlRoutes } from './delegated-access-routes.ts';
import { serializeTenant } from './serialize.ts';

const clockSchema = z.strictObject({ advanceSeconds: z.number().positive() });
const dnsServerSchema = z.strictObject({ server: z.string().regex(/^[^\s:]+:\d{1,5}$|^[^\s:]+$/).nullable() });
const loopbackAddresses = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The seed and inspect API under `/_emulator/`: no authentication, loopback callers only. Shapes are
 * those of the seed file (emulator/README.md).
 */
export function registerControlRoutes(router: Router, context: EmulatorContext): void {
  const { state } = context;
  const prefix = '/_emulator';
  router.use(prefix, loopbackOnly, controlErrors);

  registerPartnerCenterControlRoutes(router, context);
  router.get(`${prefix}/state`, (ctx) => {
    ctx.body = {
      now: new Date(state.now()).toISOString(),
      tenants: [...state.tenants.values()].map(serializeTenant),
      signIns: state.signIns,
      faults: context.faults.list().map((fault) => ({ ...fault, pattern: fault.pattern.source })),
      heldRequests: context.faults.heldCount,
      quirks: context.quirks,
    };
  });
  router.post(`${prefix}/tenants`, async (ctx) => {
    const tenant = applyTenantSeed(state, tenantSchema.parse(await readJsonBody(ctx)));
    ctx.status = 201;
    ctx.body = serializeTenant(tenant);
  });
  router.get(`${prefix}/tenants/:tenantId`, (ctx) => {
    ctx.body = serializeTenant(tenantOrThrow(context, ctx.params.tenantId));
  });
  router.post(`${prefix}/tenants/:tenantId/domains`, async (ctx) => {
    const tenant = tenantOrThrow(context, ctx.params.tenantId);
    const seed = domainSchema.parse(await readJsonBody(ctx));
    applyDomainSeed(state, tenant, seed);
    ctx.status = 201;
    ctx.body = tenant.domains.get(seed.id.toLowerCase());
  });
  router.post(`${prefix}/tenants/:tenantId/users`, async (ctx) => {
    const tenant = tenantOrThrow(context, ctx.params.tenantId);
    const { id, ...user } = userSchema.parse(await readJsonBody(ctx));
    ctx.status = 201;
    ctx.body = state.addUser(tenant, definedOnly({ ...(id ? { id } : {}), ...user }));
  });
  router.post(`${prefix}/tenants/:tenantId/skus`, async (ctx) => {
    const tenant = tenantOrThrow(context, ctx.params.tenantId);
    ctx.status = 201;
    ctx.body = state.addSku(tenant, definedOnly(skuSchema.parse(await readJsonBody(ctx))));
  });
  router.put(`${prefix}/tenants/:tenantId/throttle`, async (ctx) => {
    const tenant = tenantOrThrow(context, ctx.params.tenantId);
    tenant.throttle = { ...tenant.throttle, ...definedOnly(throttleSchema.parse(await readJsonBody(ctx))) };
    ctx.body = tenant.throttle;
  });
  router.get(`${prefix}/sign-ins`, (ctx) => {
    ctx.body = { value: state.signIns };
  });
  router.get(`${prefix}/requests`, (ctx) => {
    ctx.body = { value: state.requestLog };
  });
  router.post(`${prefix}/faults`, async (ctx) => {
    context.faults.add(faultSchema.parse(await readJsonBody(ctx)));
    ctx.status = 204;
  });
  router.get(`${prefix}/faults`, (ctx) => {
    ctx.body = { faults: context.faults.list().map((fault) => ({ ...fault, pattern: fault.pattern.source })), heldRequests: context.faults.heldCount };
  });
  router.post(`${prefix}/faults/release`, (ctx) => {
    ctx.body = { released: context.faults.release() };
  });
  router.delete(`${prefix}/faults`, (ctx) => {
    context.faults.clear();
    ctx.status = 204;
  });
  router.put(`${prefix}/quirks`, async (ctx) => {
    Object.assign(context.quirks, definedOnly(graphQuirksSchema.parse(await readJsonBody(ctx))));
    ctx.body = context.quirks;
  });
  // The DNS server domain verification resolves through: {"server": "127.0.0.1:5300"}, or {"server": null} for none.
  router.put(`${prefix}/dns-server`, async (ctx) => {
    const { server } = dnsServerSchema.parse(await readJsonBody(ctx));
    context.domainVerificationDns.server = server ?? undefined;
    ctx.body = { server: server ?? null };
  });
  router.post(`${prefix}/clock`, async (ctx) => {
    state.advanceClock(clockSchema.parse(await readJsonBody(ctx)).advanceSeconds);
    ctx.body = { now: new Date(state.now()).toISOString() };
  });
  router.post(`${prefix}/reset`, (ctx) => {
    state.reset();
    context.faults.clear();
    context.throttle.clear();
    context.loginRequests.clear();
    Object.assign(context.quirks, defaultGraphQuirks());
    ctx.status = 204;
  });
  router.get(`${prefix}/ca.pem`, (ctx) => {
    ctx.type = 'application/x-pem-file';
    ctx.body = context.keys.certificateAuthority.certificatePem;
  });
  router.get(`${prefix}/orgid-certificate.pem`, (ctx) => {
    ctx.type = 'application/x-pem-file';
    ctx.body = context.keys.organizationIdSigning.certificatePem;
  });
  registerDelegatedAccessControlRoutes(router, context, (idOrDomain) => tenantOrThrow(context, idOrDomain));
}

async function loopbackOnly(ctx: Context, next: Next): Promise<void> {
  if (!loopbackAddresses.has(ctx.req.socket.remoteAddress ?? '')) {
    ctx.status = 403;
    ctx.body = { error: 'The emulator control API answers loopback callers only.' };
    return;
  }
  await next();
}

async function controlErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (error) {
    if (error instanceof z.ZodError) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_body', issues: error.issues };
    } else if (error instanceof EmulatorStateError) {
      ctx.status = { invalid: 400, conflict: 409, 'not-found': 404 }[error.kind];
      ctx.body = { error: error.message };
    } else {
      throw error;
    }
  }
}

function tenantOrThrow(context: EmulatorContext, idOrDomain: string | undefined): Tenant {
  const tenant = context.state.findTenant(idOrDomain ?? '');
  if (!tenant) throw new EmulatorStateError(`tenant ${idOrDomain ?? ''} not found`, 'not-found');
  return tenant;
}
