import { randomUUID } from 'node:crypto';
import type { Router } from '@koa/router';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { readJsonBody } from '../http/body.ts';
import type { Tenant, User } from '../state/model.ts';
import { applyConsentSeed, consentSchema } from '../state/seed.ts';
import { EmulatorStateError } from '../state/store.ts';

const signInPolicySchema = z.strictObject({
  mfaRegistered: z.boolean().optional(),
  conditionalAccessBlocked: z.boolean().optional(),
  conditionalAccessRequiresMfa: z.boolean().optional(),
});

const groupSchema = z.strictObject({ id: z.uuid().optional(), displayName: z.string().min(1), members: z.array(z.string().min(1)).default([]) });

const relationshipSchema = z.strictObject({
  gdap: z
    .strictObject({
      id: z.string().optional(),
      displayName: z.string().default('Lanyard GDAP'),
      status: z.enum(['activating', 'active', 'approvalPending', 'approved', 'created', 'expired', 'expiring', 'terminated', 'terminating', 'terminationRequested']).default('active'),
      roleDefinitionIds: z.array(z.string()).default([]),
      endDateTime: z.string().default('2099-01-01T00:00:00Z'),
    })
    .optional(),
});

/**
 * `/_emulator/` calls for the delegated flows: per-user MFA and Conditional Access switches, refresh
 * token revocation and expiry, consents, partner relationships. Registered by control/routes.ts, so the
 * loopback-only guard and error mapping apply.
 */
export function registerDelegatedAccessControlRoutes(
  router: Router,
  context: EmulatorContext,
  tenantOrThrow: (idOrDomain: string | undefined) => Tenant,
): void {
  const { state } = context;
  const { delegatedAccess } = state;
  const prefix = '/_emulator';
  const userOrThrow = (tenant: Tenant, idOrPrincipalName: string | undefined): User => {
    const key = idOrPrincipalName ?? '';
    const user = tenant.users.get(key) ?? tenant.users.byPrincipalName(key);
    if (!user) throw new EmulatorStateError(`user ${key} not found in tenant ${tenant.id}`, 'not-found');
    return user;
  };

  router.get(`${prefix}/delegated-access`, (ctx) => {
    ctx.body = { consents: delegatedAccess.consents.list(), partnerRelationships: delegatedAccess.relationships.list() };
  });
  router.patch(`${prefix}/tenants/:tenantId/users/:user/sign-in-policy`, async (ctx) => {
    const user = userOrThrow(tenantOrThrow(ctx.params.tenantId), ctx.params.user);
    const changes = signInPolicySchema.parse(await readJsonBody(ctx));
    ctx.body = delegatedAccess.signInPolicies.update(user.id, Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)));
  });
  router.post(`${prefix}/tenants/:tenantId/users/:user/revoke-sign-in-sessions`, (ctx) => {
    const user = userOrThrow(tenantOrThrow(ctx.params.tenantId), ctx.params.user);
    const policy = delegatedAccess.signInPolicies.update(user.id, { tokensValidFrom: state.now() });
    ctx.body = { tokensValidFrom: new Date(policy.tokensValidFrom).toISOString() };
  });
  router.post(`${prefix}/tenants/:tenantId/users/:user/expire-refresh-tokens`, (ctx) => {
    const user = userOrThrow(tenantOrThrow(ctx.params.tenantId), ctx.params.user);
    ctx.body = { expired: delegatedAccess.refreshTokens.expireForUser(user.id, state.now()) };
  });
  router.post(`${prefix}/tenants/:tenantId/consents`, async (ctx) => {
    const tenant = tenantOrThrow(ctx.params.tenantId);
    applyConsentSeed(state, tenant, consentSchema.parse(await readJsonBody(ctx)));
    ctx.status = 201;
    ctx.body = { consents: delegatedAccess.consents.list().filter((consent) => consent.tenantId === tenant.id) };
  });
  router.delete(`${prefix}/tenants/:tenantId/consents/:clientId`, (ctx) => {
    delegatedAccess.consents.revoke(tenantOrThrow(ctx.params.tenantId).id, ctx.params.clientId ?? '');
    ctx.status = 204;
  });
  // No body: DAP. `{"gdap": {…}}`: a GDAP relationship (status, roles, end), listed by Graph's delegatedAdminRelationships.
  router.put(`${prefix}/tenants/:tenantId/partners/:partnerTenantId`, async (ctx) => {
    const customer = tenantOrThrow(ctx.params.tenantId);
    const body = relationshipSchema.parse((await readJsonBody(ctx)) ?? {});
    const gdap = delegatedAccess.relationships.add(tenantOrThrow(ctx.params.partnerTenantId).id, customer.id, body.gdap, state.now());
    if (gdap) {
      ctx.status = 200;
      ctx.body = gdap;
    } else ctx.status = 204;
  });
  // A security group with its members (UPNs or object ids), for Graph's /groups/{id}/members.
  router.post(`${prefix}/tenants/:tenantId/groups`, async (ctx) => {
    const tenant = tenantOrThrow(ctx.params.tenantId);
    const input = groupSchema.parse(await readJsonBody(ctx));
    const group = { id: input.id ?? randomUUID(), displayName: input.displayName, memberIds: new Set(input.members.map((member) => userOrThrow(tenant, member).id)) };
    tenant.groups.set(group.id, group);
    ctx.status = 201;
    ctx.body = { id: group.id, displayName: group.displayName, members: [...group.memberIds] };
  });
  router.delete(`${prefix}/tenants/:tenantId/partners/:partnerTenantId`, (ctx) => {
    const customer = tenantOrThrow(ctx.params.tenantId);
    delegatedAccess.relationships.remove(tenantOrThrow(ctx.params.partnerTenantId).id, customer.id);
    ctx.status = 204;
  });
}
