import type { Context, Next } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { BodyError, readJsonBody } from '../http/body.ts';
import { authenticateGraphCaller } from './authentication.ts';
import { runBatch } from './batch.ts';
import { dispatchGraph, type GraphRequest, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { delegatedAdminRelationshipRoutes } from './delegated-admin-relationships.ts';
import { directoryRoleRoutes } from './directory-roles.ts';
import { domainSetupRoutes } from './domain-setup.ts';
import { domainRoutes } from './domains.ts';
import { GraphError, graphErrorBody } from './errors.ts';
import { federationConfigurationRoutes } from './federation-configuration.ts';
import { groupRoutes } from './groups.ts';
import { licenseRoutes } from './licenses.ts';
import { organizationRoutes } from './organization.ts';
import { userRoutes } from './users.ts';

const routes: readonly GraphRoute[] = [...domainRoutes, ...domainSetupRoutes, ...federationConfigurationRoutes, ...userRoutes, ...licenseRoutes, ...directoryRoleRoutes, ...delegatedAdminRelationshipRoutes, ...groupRoutes, ...organizationRoutes];
const versionPrefix = '/v1.0';

/** Koa middleware serving Graph v1.0 under `/v1.0`. */
export function graphService(context: EmulatorContext) {
  return async function serveGraph(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== versionPrefix && !ctx.path.startsWith(`${versionPrefix}/`)) return next();
    const requestId = ctx.state.requestId as string;
    const clientRequestId = ctx.get('client-request-id') || requestId;
    let response: GraphResponse;
    try {
      const caller = authenticateGraphCaller(context, ctx.get('authorization') || undefined);
      const body = await readJsonBody(ctx).catch((error: unknown) => {
        if (error instanceof BodyError) throw new GraphError(error.status, 'Request_BadRequest', error.message);
        throw error;
      });
      const request: GraphRequest = {
        method: ctx.method,
        path: ctx.path.slice(versionPrefix.length) || '/',
        query: new URLSearchParams(ctx.querystring),
        headers: new Map(Object.entries(ctx.headers).map(([name, value]) => [name, String(value)])),
        body,
        requestId,
        clientRequestId,
      };
      response =
        request.path === '/$batch' && request.method === 'POST'
          ? await runBatch(context, routes, request, caller)
          : await dispatchGraph(context, routes, request, caller, { insideBatch: false });
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      response = {
        status: error.status,
        headers: { ...error.headers },
        body: graphErrorBody(error.code, error.message, requestId, clientRequestId, context.state.now(), error.details),
      };
    }
    ctx.status = response.status;
    ctx.set({ ...response.headers, 'request-id': requestId, 'client-request-id': clientRequestId });
    if (response.body !== undefined) {
      ctx.type = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';
      ctx.body = JSON.stringify(response.body);
    }
  };
}
