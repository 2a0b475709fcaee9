import { randomUUID } from 'node:crypto';
import { Router } from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import type { EmulatorContext } from '../context.ts';
import { registerControlRoutes } from '../control/routes.ts';
import { registerAdminConsentRoutes } from '../entra/admin-consent.ts';
import { registerAuthorizeRoutes } from '../entra/authorize.ts';
import { registerSignInRoutes } from '../entra/sign-in.ts';
import { registerLoginSrfRoutes } from '../entra/login-srf.ts';
import { registerMetadataRoutes } from '../entra/metadata.ts';
import { registerSamlMetadataRoutes } from '../entra/saml-metadata.ts';
import { registerTokenRoutes } from '../entra/token-endpoint.ts';
import { registerUserRealmRoutes } from '../entra/user-realm.ts';
import { codeForStatus, graphErrorBody } from '../graph/errors.ts';
import { graphService } from '../graph/service.ts';
import { faultError, partnerCenterErrorBody } from '../partner-center/errors.ts';
import { partnerCenterService } from '../partner-center/service.ts';
import { registerKeyVaultRoutes } from '../key-vault/secrets.ts';
import { BodyError } from './body.ts';
import { sleep } from './faults.ts';

/** Assembles the emulator: request ids and log, injected faults, then Entra, Graph and the inspect API. */
export function createApp(context: EmulatorContext): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(requestIdentity(context));
  app.use(injectFaults(context));
  const router = new Router();
  registerControlRoutes(router, context);
  registerMetadataRoutes(router, context);
  registerTokenRoutes(router, context);
  registerAuthorizeRoutes(router, context);
  registerAdminConsentRoutes(router, context);
  registerKeyVaultRoutes(router, context);
  registerUserRealmRoutes(router, context);
  registerSignInRoutes(router, context);
  registerLoginSrfRoutes(router, context);
  registerSamlMetadataRoutes(router, context);
  app.use(graphService(context));
  app.use(partnerCenterService(context));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

function requestIdentity(context: EmulatorContext) {
  return async function identifyRequest(ctx: Context, next: Next): Promise<void> {
    const requestId = randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('x-ms-request-id', requestId);
    try {
      await next();
    } catch (error) {
      if (error instanceof BodyError) {
        ctx.status = error.status;
        ctx.body = { error: 'invalid_request', error_description: error.message };
      } else {
        console.error('emulator: request failed', ctx.method, ctx.path, error);
        ctx.status = 500;
        ctx.body = { error: 'server_error', error_description: 'The emulator failed; see its log.' };
      }
    }
    context.state.logRequest({
      time: new Date(context.state.now()).toISOString(),
      requestId,
      method: ctx.method,
      path: ctx.path,
      status: ctx.status,
    });
  };
}

/** Faults queued through `/_emulator/faults`; the inspect API itself is never affected. */
function injectFaults(context: EmulatorContext) {
  return async function applyFault(ctx: Context, next: Next): Promise<void> {
    if (ctx.path.startsWith('/_emulator/')) return next();
    const fault = context.faults.take(ctx.method, ctx.path);
    if (fault?.latencyMilliseconds) await sleep(fault.latencyMilliseconds);
    if (fault?.hold) await context.faults.hold();
    if (fault?.dropConnection) {
      if (fault.dropConnection === 'after') await next();
      ctx.respond = false;
      ctx.req.socket.destroy();
      return;
    }
    if (fault?.status === undefined) return next();
    ctx.status = fault.status;
    if (fault.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(fault.retryAfterSeconds));
    const requestId = ctx.state.requestId as string;
    if (ctx.path.startsWith('/v1.0')) {
      ctx.set('request-id', requestId);
      const code = codeForStatus(fault.status);
      ctx.body = graphErrorBody(code, 'Injected fault.', requestId, ctx.get('client-request-id') || requestId, context.state.now());
    } else if (ctx.path.startsWith('/v1/')) {
      ctx.body = partnerCenterErrorBody(faultError(fault.status));
    } else {
      ctx.body = { error: 'temporarily_unavailable', error_description: 'Injected fault.' };
    }
  };
}
