import type { AppContext } from '../../core/context.ts';
import { createServer } from '../app.ts';
import { modules } from '../modules.ts';

/** How long a stopping node waits for running jobs before leaving them leased for another node. */
const drainMs = 25_000;

/**
 * `lanyard serve`: runs the HTTP server and the job runner with every module's background work
 * until SIGINT/SIGTERM/SIGHUP, then stops accepting connections, lets requests in flight finish,
 * drains the jobs in progress (up to a limit) and closes the database.
 */
export async function serve(context: AppContext): Promise<void> {
  const server = await createServer(context, { modules });
  const listening = await server.listen();
  context.logger.info('lanyard listening', { url: listening.url, metricsUrl: listening.metricsUrl, publicUrl: context.config.publicUrl, database: context.dialect });
  const { jobs } = server;
  await jobs.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    // SIGHUP too: a closed terminal should stop the server cleanly, not kill it mid-request.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
  });
  context.logger.info('lanyard stopping');
  await listening.close();
  await jobs.stop({ drainMs });
  await context.close();
}
