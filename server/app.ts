import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import Koa from 'koa';
import { systemClock, type Clock } from '../core/clock.ts';
import type { AppContext } from '../core/context.ts';
import { LanyardError } from '../core/errors.ts';
import { koaProxyOptions } from '../core/http/client-address.ts';
import { errorHandler } from '../core/http/error-handler.ts';
import { metricsRouter } from '../core/http/metrics-endpoint.ts';
import { createJobRunner, type JobRunner } from '../core/jobs/job-runner.ts';
import { enqueueJob } from '../core/jobs/job-store.ts';
import { requestContext } from '../core/http/request-context.ts';
import { securityHeaders } from '../core/http/security-headers.ts';
import type { Logger } from '../core/logger.ts';
import { createMetrics, type Metrics } from '../core/metrics.ts';
import { provideServices, type JobQueue, type LanyardModule, type ModuleHost } from '../core/module.ts';
import type { Services } from '../core/services.ts';
import { operationsRouter } from './health.ts';
import { landingPageRouter } from './landing-page.ts';
import { modules as allModules } from './modules.ts';

export interface LanyardServer {
  readonly app: Koa;
  /** What the modules were given: the context, metrics and each other's services. */
  readonly host: ModuleHost;
  /** The job runner with every module's jobs, not started: `lanyard serve` starts it, tests drive it with `runDue()`. */
  readonly jobs: JobRunner;
  /** The main listener, and the metrics listener when LANYARD_METRICS_PORT is set. */
  listen(port?: number, host?: string): Promise<{ url: string; metricsUrl: string | undefined; close(): Promise<void> }>;
}

/**
 * Assembles the Koa application from an AppContext: one error handler and strict headers, then
 * every module's routers in module order (busiest first), then the server's own endpoints; and
 * the job runner with every module's jobs, which the modules' `host.jobs` queue wakes.
 */
export async function createServer(
  context: AppContext,
  options: { modules?: readonly LanyardModule[]; services?: Partial<Services>; clock?: Clock } = {},
): Promise<LanyardServer> {
  const { config, logger } = context;
  const modules = options.modules ?? allModules;
  const clock = options.clock ?? systemClock;
  // A test may stand in for a service (a directory verifier that needs no agent, say).
  const services: Services = { ...provideServices(modules, context), ...options.services };
  const queue: JobQueue = {
    async enqueue(job) {
      const queued = await enqueueJob(context.db, job, clock.now());
      // Defined below (the runner needs the host for the modules' job definitions), before any request.
      jobs.wake();
      return queued;
    },
  };
  const host: ModuleHost = { context, metrics: createMetrics(), services, jobs: queue, clock };
  const jobs = createJobRunner({
    db: context.db,
    dialect: context.dialect,
    logger: logger.child({ component: 'jobs' }),
    clock,
    definitions: modules.flatMap((module) => module.jobs?.(host) ?? []),
  });
  for (const module of modules) await module.start?.(host);
  const { metrics } = host;

  const app = new Koa(koaProxyOptions(config));
  app.use(requestContext(logger, metrics));
  app.use(securityHeaders({ microsoftLoginUrl: config.microsoftLoginUrl, https: config.publicUrl.startsWith('https://') }));
  app.use(errorHandler(logger));
  mountRouters(app, [
    ...modules.flatMap((module) => module.routes?.(host) ?? []),
    operationsRouter(context.db),
    landingPageRouter(config.publicUrl),
    // /metrics on the main port only behind its token; otherwise it is not found here.
    ...(config.metrics.token ? [metricsRouter(metrics, config.metrics.token)] : []),
  ]);

  return {
    app,
    host,
    jobs,
    listen(port = config.port, hostname = config.host) {
      // LANYARD_TLS_CERT_FILE / _KEY_FILE: HTTPS without a reverse proxy (files read at listen time).
      const tls = config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
      const server = tls ? https.createServer(tls, app.callback()) : http.createServer(app.callback());
      server.headersTimeout = 20_000;
      server.requestTimeout = 30_000;
      const listeners = [listenOn(server, port, hostname, tls ? 'https' : 'http')];
      if (config.metrics.port !== undefined) listeners.push(listenOn(http.createServer(metricsApp(logger, metrics, config.metrics.token).callback()), config.metrics.port, config.metrics.host, 'http'));
      return Promise.all(listeners).then(
        ([main, metricsListener]) => ({
          url: main!.url,
          metricsUrl: metricsListener?.url,
          close: async () => {
            await Promise.all([main!.close(), metricsListener?.close()]);
          },
        }),
        async (error: unknown) => {
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
    if (ctx.status === 404 && ctx.body === undefined) throw new LanyardError('NOT_FOUND', 'There is nothing at this address.');
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
