import type { Context } from 'koa';
import type { z } from 'zod';
import type { Organization } from '../core/db/schema.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { Action } from '../portal/policy.ts';
import type { ApiCaller } from './caller.ts';
import type { ApiDeps } from './endpoints/deps.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call an endpoint:
 * - `public`: anyone (the OpenAPI document);
 * - `caller`: an API token or an admin session, the endpoint asks the rule itself;
 * - `organization`: one organization's endpoint. It is served under `/orgs/{slug}` + `path` for
 *   both (an admin names any organization the rule lets them reach; a token only its own), and at
 *   `path` alone (or `implicitPath`) for a token, which acts for its one organization;
 * - `installation`: this Lanyard as a whole (the operator's): the rule is asked for its action on
 *   the installation, which no token ever passes.
 */
export type EndpointScope = 'public' | 'caller' | 'organization' | 'installation';

export interface EndpointCall<Params, Query, Body> {
  readonly ctx: Context;
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  /** Undefined only for public endpoints. */
  readonly caller: ApiCaller;
  /** The organization of an `organization` endpoint, already checked with `can` for its action. */
  readonly organization: Organization;
  readonly now: Date;
  /** What handlers work with: the server's context, the portal's session deps, the job queue. */
  readonly deps: ApiDeps;
}

/** One endpoint, declared once: the router validates with these schemas and the OpenAPI document is made of them. */
export interface Endpoint<
  Params extends z.ZodObject = z.ZodObject,
  Query extends z.ZodObject = z.ZodObject,
  Body extends z.ZodType = z.ZodType,
> {
  /** The OpenAPI operationId. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Koa-style (`/users/:id`), below /api/v1 (and, for organization endpoints, below /orgs/:slug). */
  readonly path: string;
  /** The token-only path of an organization endpoint when it is not `path` (the organization itself: `/organization`). */
  readonly implicitPath?: string;
  readonly scope: EndpointScope;
  /** The rule's action (policy.ts) this call is; asked for every organization and installation endpoint before its handler runs. */
  readonly action?: Action;
  /**
   * The further actions a call takes because of what its body asks (a run's `confirm` is
   * `provisioning.confirm-disables`): each is asked of the rule, and a dangerous one for a fresh
   * second factor, exactly as `action` is, before the handler runs. A flag must never be a way round
   * the second factor that the portal's form asks for the same thing.
   */
  readonly actionsOf?: (body: z.output<Body>) => readonly Action[];
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly params?: Params;
  readonly query?: Query;
  readonly body?: Body;
  /** The answer's shape; omitted for an answer without a body (204). */
  readonly response?: z.ZodType;
  /** The success status (default 200, or 204 without a response). */
  readonly status?: number;
  /** The codes the handler itself may answer with (the layer adds those of authentication, validation and the rule). */
  readonly errors?: readonly ErrorCode[];
  handle(call: EndpointCall<z.output<Params>, z.output<Query>, z.output<Body>>): Promise<unknown>;
}

/** Declares an endpoint (typed by its schemas). */
export function endpoint<Params extends z.ZodObject, Query extends z.ZodObject, Body extends z.ZodType>(spec: Endpoint<Params, Query, Body>): Endpoint {
  return spec as unknown as Endpoint;
}
