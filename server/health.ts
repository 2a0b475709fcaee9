import type Router from '@koa/router';
import { sql } from 'kysely';
import { createRouter } from '../core/router.ts';
import type { Db } from '../core/db/database.ts';

/** /healthz: the process answers. /readyz: the database answers too. (/metrics: server/http/metrics-endpoint.ts.) */
export function operationsRouter(db: Db): Router {
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
  return router;
}
