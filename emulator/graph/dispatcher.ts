import type { EmulatorContext } from '../context.ts';
import type { AppRegistration, Tenant } from '../state/model.ts';
import { codeForStatus, GraphError, graphErrorBody, insufficientPrivileges } from './errors.ts';
import { requestCost } from './throttle.ts';

/** One Graph request, from HTTP or from inside a `$batch`; `path` is relative to `/v1.0`. */
export interface GraphRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: unknown;
  readonly requestId: string;
  readonly clientRequestId: string;
}

export interface GraphResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** The authenticated caller: the app (from the access token) in its tenant. */
export interface GraphCaller {
  readonly tenant: Tenant;
  readonly app: AppRegistration;
  readonly roles: ReadonlySet<string>;
}

export interface GraphCall {
  readonly request: GraphRequest;
  readonly caller: GraphCaller;
  readonly context: EmulatorContext;
}

/** Most handlers answer at once; a few wait for something outside the emulator (domain verification's DNS lookup). */
export type GraphHandler = (call: GraphCall, parameters: Readonly<Record<string, string>>) => GraphResponse | Promise<GraphResponse>;

export interface GraphRoute {
  readonly method: string;
  /** Matched against the decoded path; named groups become parameters. */
  readonly pattern: RegExp;
  readonly handler: GraphHandler;
}

/** 403 unless the token carries one of `roles` (application permissions). */
export function requireAnyRole(call: GraphCall, roles: readonly string[]): void {
  if (!roles.some((role) => call.caller.roles.has(role))) throw insufficientPrivileges();
}

/**
 * Runs one Graph request through what Graph applies to each: injected faults (for `$batch` members;
 * top-level requests meet them in the HTTP layer), throttling, routing, and the error envelope.
 */
export async function dispatchGraph(
  context: EmulatorContext,
  routes: readonly GraphRoute[],
  request: GraphRequest,
  caller: GraphCaller,
  options: { readonly insideBatch: boolean },
): Promise<GraphResponse> {
  const baseHeaders = { 'request-id': request.requestId, 'client-request-id': request.clientRequestId };
  const now = context.state.now();
  const toError = (error: GraphError): GraphResponse => ({
    status: error.status,
    headers: { ...baseHeaders, 'content-type': 'application/json', ...error.headers },
    body: graphErrorBody(error.code, error.message, request.requestId, request.clientRequestId, now, error.details),
  });

  if (options.insideBatch) {
    const fault = context.faults.take(request.method, `/v1.0${request.path}`);
    if (fault?.status !== undefined) {
      const headers: Record<string, string> =
        fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
      return toError(new GraphError(fault.status, codeForStatus(fault.status), 'Injected fault.', headers));
    }
  }

  const cost = requestCost(request.method, request.path, request.query);
  const decision = context.throttle.consume(caller.tenant, caller.app.clientId, cost, now);
  if (!decision.allowed) {
    return toError(
      new GraphError(429, 'TooManyRequests', 'Too many requests.', {
        'Retry-After': String(decision.retryAfterSeconds),
        'x-ms-throttle-scope': `Tenant_Application/${cost.isWrite ? 'ReadWrite' : 'Read'}/${caller.app.clientId}/${caller.tenant.id}`,
        'x-ms-throttle-information': decision.information ?? 'ResourceUnitLimitExceeded',
      }),
    );
  }

  try {
    const response = await route(routes, request, { request, caller, context });
    return {
      ...response,
      headers: { ...baseHeaders, 'x-ms-resource-unit': String(decision.resourceUnits), ...response.headers },
    };
  } catch (error) {
    if (error instanceof GraphError) return toError(error);
    throw error;
  }
}

function route(routes: readonly GraphRoute[], request: GraphRequest, call: GraphCall): GraphResponse | Promise<GraphResponse> {
  let pathMatched = false;
  for (const candidate of routes) {
    const match = candidate.pattern.exec(request.path);
    if (!match) continue;
    pathMatched = true;
    if (candidate.method !== request.method) continue;
    const parameters = Object.fromEntries(
      Object.entries(match.groups ?? {})
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => [name, decodeURIComponent(value)]),
    );
    return candidate.handler(call, parameters);
  }
  if (pathMatched) {
    throw new GraphError(405, 'Request_BadRequest', `The HTTP method '${request.method}' is not allowed for the requested resource.`);
  }
  const segment = request.path.split('/').filter(Boolean)[0] ?? '';
  throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}
