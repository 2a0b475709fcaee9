import type Router from '@koa/router';
import { bearerKeyMatches, bearerKeyOf, hashBearerKey } from '../bearer-keys.ts';
import { LanyardError } from '../errors.ts';
import { createRouter } from '../router.ts';
import type { Metrics } from '../metrics.ts';

/**
 * `/metrics` (Prometheus text). Counters say how many sign-ins fail and why, which is not for
 * everyone: the app mounts this on the main port only when a token is configured, and the separate
 * metrics listener (loopback by default) asks for the token too when one is set. The presented
 * token is compared by hash in constant time.
 *
 * @example
 *   app.use(metricsRouter(metrics, config.metrics.token).routes());
 */
export function metricsRouter(metrics: Metrics, token: string | undefined): Router {
  const router = createRouter();
  const expectedHash = token === undefined ? undefined : hashBearerKey(token);
  router.get('/metrics', (ctx) => {
    if (expectedHash !== undefined) {
      const presented = bearerKeyOf(ctx.get('authorization'));
      if (!presented || !bearerKeyMatches(presented, expectedHash)) {
        ctx.set('WWW-Authenticate', 'Bearer realm="lanyard-metrics"');
        throw new LanyardError('METRICS_TOKEN_INVALID', 'send the metrics token as Authorization: Bearer <token>');
      }
    }
    ctx.type = 'text/plain; version=0.0.4';
    ctx.body = metrics.render();
  });
  return router;
}
