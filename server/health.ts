import type Router from '@koa/router';
import { sql } from 'kysely';
import { createRouter } from '../common/router.ts';
import type { Db } from '../db/database.ts';
import type { Metrics } from './metrics.ts';

/** /healthz: the process answers. /readyz: the database answers too. /metrics: Prometheus text. */
export function operationsRouter(db: Db, metrics: Metrics): Router {
  const router = createRouter();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await sql`select 1`.execute(db);
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'database unreachable' };
    }
  });
  router.get('/metrics', (ctx) => {
    ctx.type = 'text/plain; version=0.0.4';
    ctx.body = metrics.render();
  });
  return router;
}
