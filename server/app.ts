import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import Koa from 'koa';
import { createPassThroughVerifier } from '../agent/server/pass-through.ts';
import { createAgentRouter } from '../agent/server/router.ts';
import { LanyardError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { deleteExpiredSignInRequests } from '../db/sign-in-requests.ts';
import { metadataRouter } from '../idp/federation/routes.ts';
import { koaProxyOptions } from '../idp/login/client-address.ts';
import type { DirectoryPasswordVerifier, IdpDeps } from '../idp/login/deps.ts';
import { signInRouter } from '../idp/login/routes.ts';
import { accountNameKey } from '../idp/login/throttle.ts';
import { samlRouter } from '../idp/saml2/routes.ts';
import { createSigningKeyStore } from '../idp/signing/key-store.ts';
import { wsFedRouter } from '../idp/wsfed/routes.ts';
import { activationRouter } from '../provisioning/activation/activation-routes.ts';
import { provisioningDeps } from '../provisioning/runs/run-admin.ts';
import { createAdminApiRouter } from './api/router.ts';
import type { AppContext } from './context.ts';
import { operationsRouter } from './health.ts';
import { errorHandler } from './http/error-handler.ts';
import { metricsRouter } from './http/metrics-endpoint.ts';
import { requestContext } from './http/request-context.ts';
import { securityHeaders } from './http/security-headers.ts';
import { landingPageRouter } from './landing-page.ts';
import { createMetrics, type Metrics } from './metrics.ts';

export interface LanyardServer {
  readonly app: Koa;
  readonly deps: IdpDeps;
  /** The main listener, and the metrics listener when LANYARD_METRICS_PORT is set. */
  listen(port?: number, host?: string): Promise<{ url: string; metricsUrl: string | undefined; close(): Promise<void> }>;
}

/**
 * Assembles the Koa application from an AppContext: operations endpoints, federation metadata,
 * the WS-Fed and SAML endpoints, the sign-in pages and the directory-agent API, behind one error handler and strict headers.
 */
export async function createServer(context: AppContext, options: { directoryPasswords?: DirectoryPasswordVerifier } = {}): Promise<LanyardServer> {
  const { config, db, logger } = context;
  const metrics = createMetrics();
  const keys = createSigningKeyStore(db, context.secretBox);
  await keys.ensureCurrent();
  const deps: IdpDeps = {
    config,
    db,
    secretBox: context.secretBox,
    csrfKey: Buffer.from(hkdfSync('sha256', context.masterKey, Buffer.alloc(0), 'lanyard csrf v1', 32)),
    accountNameKey: accountNameKey(context.masterKey),
    keys,
    metrics,
    logger,
    // Directory accounts check their password with an LDAP bind done by the org's on-premises agent.
    directoryPasswords: options.directoryPasswords ?? createPassThroughVerifier({ db, masterKey: context.masterKey, logger }),
    microsoftRequestSigningCerts: config.microsoftRequestSigningCertFile ? splitPem(readFileSync(config.microsoftRequestSigningCertFile, 'utf8')) : [],
  };

  const app = new Koa(koaProxyOptions(config));
  app.use(requestContext(logger, metrics));
  app.use(securityHeaders({ microsoftLoginUrl: config.microsoftLoginUrl, https: config.publicUrl.startsWith('https://') }));
  app.use(errorHandler(logger));
  const agentRouter = createAgentRouter({ db, logger, masterKey: context.masterKey });
  const adminApiRouter = createAdminApiRouter(context, provisioningDeps(context));
  // Busiest first: each router's middleware runs (and matches the path) until one answers.
  mountRouters(app, [
    wsFedRouter(deps), samlRouter(deps), signInRouter(deps), metadataRouter(deps), operationsRouter(db), activationRouter(deps), agentRouter, adminApiRouter, landingPageRouter(config.publicUrl),
    // /metrics on the main port only behind its token; otherwise it is not found here.
    ...(config.metrics.token ? [metricsRouter(metrics, config.metrics.token)] : []),
  ]);

  return {
    app,
    deps,
    listen(port = config.port, host = config.host) {
      // LANYARD_TLS_CERT_FILE / _KEY_FILE: HTTPS without a reverse proxy (files read at listen time).
      const tls = config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
      const server = tls ? https.createServer(tls, app.callback()) : http.createServer(app.callback());
      server.headersTimeout = 20_000;
      server.requestTimeout = 30_000;
      // Expired sign-in requests are only garbage: remove them now and then, on every node.
      const housekeeping = setInterval(() => {
        deleteExpiredSignInRequests(db, new Date(Date.now() - 60 * 60_000)).catch((error) => logger.warn('housekeeping failed', { error }));
      }, 10 * 60_000);
      housekeeping.unref();
      const listeners = [listenOn(server, port, host, tls ? 'https' : 'http')];
      if (config.metrics.port !== undefined) listeners.push(listenOn(http.createServer(metricsApp(logger, metrics, config.metrics.token).callback()), config.metrics.port, config.metrics.host, 'http'));
      return Promise.all(listeners).then(
        ([main, metricsListener]) => ({
          url: main!.url,
          metricsUrl: metricsListener?.url,
          close: async () => {
            clearInterval(housekeeping);
            await Promise.all([main!.close(), metricsListener?.close()]);
          },
        }),
        async (error: unknown) => {
          clearInterval(housekeeping);
          await Promise.allSettled(listeners.map(async (listener) => (await listener).close()));
          throw error;
        },
      );
    },
  };
}

/** The separate metrics listener (LANYARD_METRICS_PORT): nothing but /metrics. */
function metricsApp(logger: Logger, metrics: Metrics, token: string | undefined): Koa {
  const app = new Koa();
  app.use(errorHandler(logger));
  mountRouters(app, [metricsRouter(metrics, token)]);
  return app;
}

function mountRouters(app: Koa, routers: readonly Router[]): void {
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  app.use((ctx) => {
    if (ctx.status === 404 && ctx.body === undefined) throw new LanyardError('NOT_FOUND', 'There is nothing at this address.', 404);
  });
}

function listenOn(server: http.Server | https.Server, port: number, host: string, scheme: 'http' | 'https'): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve({
        url: `${scheme}://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
