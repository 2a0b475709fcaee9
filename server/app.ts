import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { AppContext } from '../core/context.ts';
import { LanyardError } from '../core/errors.ts';
import { errorHandler } from '../core/http/error-handler.ts';
import { requestContext } from '../core/http/request-context.ts';
import { securityHeaders } from '../core/http/security-headers.ts';
import { createMetrics } from '../core/metrics.ts';
import type { LanyardModule, ModuleHost } from '../core/module.ts';
import type { Services } from '../core/services.ts';
import { operationsRouter } from './health.ts';
import { modules as allModules } from './modules.ts';

export interface LanyardServer {
  readonly app: Koa;
  /** What the modules were given: the context, metrics and each other's services. */
  readonly host: ModuleHost;
  listen(port?: number, host?: string): Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * Assembles the Koa application from an AppContext: one error handler and strict headers, then
 * every module's routers in module order, then the operations endpoints.
 */
export async function createServer(context: AppContext, modules: readonly LanyardModule[] = allModules): Promise<LanyardServer> {
  const { config, logger } = context;
  const services: Services = Object.assign({}, ...modules.map((module) => module.provide?.(context) ?? {}));
  const host: ModuleHost = { context, metrics: createMetrics(), services };
  for (const module of modules) await module.start?.(host);

  const app = new Koa({ proxy: config.trustProxy });
  app.use(requestContext(logger, host.metrics));
  app.use(securityHeaders({ microsoftLoginUrl: config.microsoftLoginUrl, https: config.publicUrl.startsWith('https://') }));
  app.use(errorHandler(logger));
  for (const router of [...modules.flatMap((module) => module.routes?.(host) ?? []), operationsRouter(context.db, host.metrics)]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  app.use((ctx) => {
    if (ctx.status === 404 && ctx.body === undefined) throw new LanyardError('NOT_FOUND', 'There is nothing at this address.', 404);
  });

  return {
    app,
    host,
    listen(port = config.port, hostname = config.host) {
      // LANYARD_TLS_CERT_FILE / _KEY_FILE: HTTPS without a reverse proxy (files read at listen time).
      const tls = config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
      const server = tls ? https.createServer(tls, app.callback()) : http.createServer(app.callback());
      server.headersTimeout = 20_000;
      server.requestTimeout = 30_000;
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, hostname, () => {
          const address = server.address() as AddressInfo;
          resolve({
            url: `${tls ? 'https' : 'http'}://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
            close: () =>
              new Promise<void>((done) => {
                server.close(() => done());
                server.closeAllConnections();
              }),
          });
        });
      });
    },
  };
}
