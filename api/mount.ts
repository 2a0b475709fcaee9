import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { LanyardError } from '../core/errors.ts';
import { readJsonBody } from '../core/json-body.ts';
import { createRouter } from '../core/router.ts';
import { organizationTarget, requireCan } from '../portal/admins.ts';
import { dangerousActions, type Action } from '../portal/policy.ts';
import { authenticateCaller, organizationFor, requireSecondFactorFor, type ApiCaller } from './caller.ts';
import type { Endpoint } from './endpoint.ts';
import type { ApiDeps } from './endpoints/deps.ts';

export const apiPrefix = '/api/v1';
/** An organization's slug in a path (`/orgs/:slug/…`). */
export const slugParameter = z.string().min(1).max(100).describe('The organization\'s slug');

/** One mounted path of an endpoint: the named one (`/orgs/:slug/…`) or a token's implicit one. */
export interface EndpointPath {
  readonly endpoint: Endpoint;
  /** Koa-style, below /api/v1. */
  readonly path: string;
  readonly params: z.ZodObject;
  /** Only an API token may use it (an organization endpoint without the organization in its path). */
  readonly tokenOnly: boolean;
}

/** Every path an endpoint answers at. */
export function pathsOf(endpoint: Endpoint): EndpointPath[] {
  const params = endpoint.params ?? z.strictObject({});
  if (endpoint.scope !== 'organization') return [{ endpoint, path: endpoint.path, params, tokenOnly: false }];
  const named = { endpoint, path: `/orgs/:slug${endpoint.path}`, params: z.strictObject({ slug: slugParameter, ...params.shape }), tokenOnly: false };
  // A token is refused every dangerous action (no second factor): it gets no path of its own for one.
  if (needsSecondFactor(endpoint)) return [named];
  return [named, { endpoint, path: endpoint.implicitPath ?? endpoint.path, params, tokenOnly: true }];
}

/**
 * The admin API's routers: the public one (the OpenAPI document) and the authenticated one, whose
 * guard authenticates every call (token or session, CSRF for the session's unsafe calls) before
 * any route runs. Each route then validates its path, query and body with its endpoint's schemas
 * (400 API_REQUEST_INVALID naming the field), finds its organization through the rule (or asks the
 * rule for the installation), asks for a fresh second factor for a dangerous action, and answers its handler's result.
 */
export function mountEndpoints(endpoints: readonly Endpoint[], deps: ApiDeps): Router[] {
  const open = createRouter({ prefix: apiPrefix });
  const guarded = createRouter({ prefix: apiPrefix });
  guarded.use(async (ctx: Context, next: Next) => {
    ctx.state.apiCaller = await authenticateCaller(ctx, deps.portal);
    await next();
  });
  for (const endpoint of endpoints) {
    for (const mounted of pathsOf(endpoint)) {
      const router = endpoint.scope === 'public' ? open : guarded;
      router[endpoint.method](mounted.path, async (ctx: Context) => {
        // Fail closed (401) if a guarded handler were ever reached without the guard.
        const caller = ctx.state.apiCaller as ApiCaller | undefined;
        if (endpoint.scope !== 'public' && !caller) throw new LanyardError('API_TOKEN_MISSING', 'send an API token as Authorization: Bearer <token>');
        const params = validated(mounted.params, ctx.params, 'path');
        const query = validated(endpoint.query ?? z.object({}), ctx.query, 'query');
        const body = endpoint.body ? await readJsonBody(ctx, deps.maxBodyBytes, endpoint.body, 'API_REQUEST_INVALID') : undefined;
        let organization;
        const further = endpoint.actionsOf?.(body) ?? [];
        if (endpoint.scope === 'organization') {
          organization = await organizationFor(deps.portal, caller!, endpoint.action!, mounted.tokenOnly ? undefined : (params as { slug: string }).slug);
          const target = further.length > 0 ? await organizationTarget(deps.portal.context.db, organization) : undefined;
          for (const action of further) requireCan(caller!.admin, action, target!);
          if (!safe(ctx.method)) await requireSecondFactorForAny(ctx, deps, caller!, [endpoint.action!, ...further]);
        } else if (endpoint.scope === 'installation') {
          for (const action of [endpoint.action!, ...further]) requireCan(caller!.admin, action, { kind: 'installation' });
          if (!safe(ctx.method)) await requireSecondFactorForAny(ctx, deps, caller!, [endpoint.action!, ...further]);
        }
        const result = await endpoint.handle({ ctx, params, query, body, caller: caller!, organization: organization!, now: deps.portal.clock.now(), deps });
        ctx.status = endpoint.status ?? (endpoint.response ? 200 : 204);
        if (endpoint.response) ctx.body = result;
      });
    }
  }
  return [open, guarded];
}

/** One fresh second factor covers every dangerous action of the call (a code is accepted once, so it is asked once). */
async function requireSecondFactorForAny(ctx: Context, deps: ApiDeps, caller: ApiCaller, actions: readonly Action[]): Promise<void> {
  const dangerous = actions.find((action) => dangerousActions.has(action));
  if (dangerous) await requireSecondFactorFor(ctx, deps.portal, caller, dangerous);
}

const safe = (method: string) => method === 'GET' || method === 'HEAD';

/** A dangerous action (policy.ts) taken by an unsafe call: a fresh second factor, so a session only. */
export const needsSecondFactor = (endpoint: Endpoint) => endpoint.method !== 'get' && endpoint.action !== undefined && dangerousActions.has(endpoint.action);

/** A path or query, checked: the first issue is the answer, with where it is (`in`) and its path. */
function validated<Schema extends z.ZodType>(schema: Schema, value: unknown, where: 'path' | 'query'): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : `(${where})`;
  throw new LanyardError('API_REQUEST_INVALID', `invalid request: ${where} ${field}: ${issue.message}`, { in: where, field });
}
