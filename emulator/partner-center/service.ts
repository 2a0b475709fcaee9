import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { BodyError, readJsonBody } from '../http/body.ts';
import { appOnlyRefused, authenticatePartnerCenterCaller } from './authentication.ts';
import { catalogRoutes } from './catalog.ts';
import { consentRoutes } from './consents.ts';
import { customerRoutes } from './customers.ts';
import { camelCaseKeys, matchRoute, type PartnerCenterCall, type PartnerCenterResponse, type PartnerCenterRoute } from './dispatcher.ts';
import { PartnerCenterError, partnerCenterErrorBody } from './errors.ts';
import { licenceRoutes } from './licences.ts';
import { orderRoutes } from './orders.ts';
import { subscriptionRoutes } from './subscriptions.ts';
import { userRoutes } from './users.ts';

const routes: readonly PartnerCenterRoute[] = [
  ...customerRoutes, ...catalogRoutes, ...orderRoutes, ...subscriptionRoutes, ...licenceRoutes, ...userRoutes, ...consentRoutes,
];
const versionPrefix = '/v1';

/**
 * Koa middleware serving Partner Center REST under `/v1`: correlation headers, bearer token (with the
 * MFA rule), throttling per partner, `MS-RequestId` replay, routing, and the error body.
 */
export function partnerCenterService(context: EmulatorContext) {
  return async function servePartnerCenter(ctx: Context, next: Next): Promise<void> {
    if (!ctx.path.startsWith(`${versionPrefix}/`)) return next();
    // Partner Center echoes both ids; it makes them up when the client sends none.
    const requestId = ctx.get('ms-requestid') || randomUUID();
    const correlationId = ctx.get('ms-correlationid') || randomUUID();
    let response: PartnerCenterResponse;
    try {
      response = await respond(ctx, context);
    } catch (error) {
      if (!(error instanceof PartnerCenterError)) throw error;
      response = { status: error.status, headers: error.headers, body: partnerCenterErrorBody(error) };
    }
    ctx.status = response.status;
    ctx.set({
      ...response.headers,
      'MS-RequestId': requestId,
      'MS-CorrelationId': correlationId,
      'MS-CV': `${(ctx.state.requestId as string).slice(0, 8)}.0`,
      'MS-ServerId': 'emulator',
    });
    if (response.body !== undefined && ctx.method !== 'HEAD') {
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = JSON.stringify(response.body);
    } else {
      // An empty body, not Koa's status text (202 Accepted, HEAD answers).
      ctx.body = '';
    }
  };
}

async function respond(ctx: Context, context: EmulatorContext): Promise<PartnerCenterResponse> {
  const caller = authenticatePartnerCenterCaller(context, ctx.get('authorization') || undefined);
  const now = context.state.now();
  const retryAfter = context.state.partnerCenter.throttle.consume(caller.partner, now);
  if (retryAfter > 0) {
    return {
      status: 429,
      headers: { 'Retry-After': String(retryAfter) },
      body: { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfter} seconds.` },
    };
  }
  const path = ctx.path.slice(versionPrefix.length);
  const { route, parameters } = matchRoute(routes, ctx.method, path);
  if (route.appPlusUser && caller.userId === undefined) throw appOnlyRefused();

  const clientRequestId = ctx.get('ms-requestid');
  const replayKey = `${caller.partner.tenantId}/${clientRequestId}`;
  // EMULATOR CHOICE: replay can be switched off per partner (control API `request-id-replay`).
  // Microsoft documents MS-RequestId as the client's id "for idempotency" without promising how long
  // an answer is kept or that every front end has it; a retry it does not recognise is a new call,
  // and a second checkout of the same cart is then 400 / 800065 "cart already submitted".
  const replay = caller.partner.replayRequestIds !== false;
  const recorded = replay && route.idempotent && clientRequestId ? context.state.partnerCenter.recordedResponses.get(replayKey) : undefined;
  // EMULATOR CHOICE: a reused MS-RequestId replays only for the same method and path; elsewhere it is a new call.
  if (recorded && recorded.method === ctx.method && recorded.path === path) return { status: recorded.status, body: recorded.body };

  const body = await readJsonBody(ctx).catch((error: unknown) => {
    if (error instanceof BodyError) throw new PartnerCenterError(error.status, 3000, error.message);
    throw error;
  });
  const call: PartnerCenterCall = {
    request: {
      method: ctx.method,
      path,
      query: new URLSearchParams(ctx.querystring),
      headers: new Map(Object.entries(ctx.headers).map(([name, value]) => [name, String(value)])),
      body: camelCaseKeys(body),
    },
    caller,
    context,
    now,
  };
  const response = route.handler(call, parameters);
  // Only successes are recorded: a failed attempt changed nothing, so its retry must be tried again.
  if (route.idempotent && clientRequestId && response.status < 300) {
    context.state.partnerCenter.recordedResponses.set(replayKey, { method: ctx.method, path, status: response.status, body: response.body });
  }
  return response;
}
