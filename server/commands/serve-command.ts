import { startProvisioningWorker } from '../../provisioning/runs/worker.ts';
import { createServer } from '../app.ts';
import type { AppContext } from '../context.ts';

/**
 * `lanyard serve`: runs the HTTP server and the provisioning worker until SIGINT/SIGTERM/SIGHUP, then stops
 * accepting connections, lets requests in flight finish, lets the worker reach a safe point and closes
 * the database.
 */
export async function serve(context: AppContext): Promise<void> {
  const server = await createServer(context);
  const listening = await server.listen();
  context.logger.info('lanyard listening', { url: listening.url, metricsUrl: listening.metricsUrl, publicUrl: context.config.publicUrl, database: context.dialect });
  // Auto-provisioning and the resumption of interrupted runs, claimed through database leases on any node.
  const provisioningWorker = startProvisioningWorker(context);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    // SIGHUP too: a closed terminal should stop the server cleanly, not kill it mid-request.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
  });
  context.logger.info('lanyard stopping');
  await listening.close();
  await provisioningWorker.stop();
  await context.close();
}
