import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import type { HttpMetrics } from '../metrics.ts';

/** Request id, access log line and HTTP metrics for every request. */
export function requestContext(logger: Logger, metrics: HttpMetrics): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
      metrics.observeRequest(ctx.status, milliseconds);
      logger.debug('request', { requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(milliseconds) });
    }
  };
}
