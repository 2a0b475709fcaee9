import type { Clock } from '../core/clock.ts';
import { isLanyardError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { createAgentApi, type AgentApi } from './api-client.ts';
import type { AgentConfig, AgentSecrets } from './config.ts';
import { startPassThroughWorker } from './pass-through-worker.ts';
import { repeatAtFixedRate } from './schedule.ts';
import { runSync, type SyncReport } from './sync.ts';

/**
 * The long-running agent (`lanyard-agent run`): a sync starting every `intervalSeconds` (the first
 * at once; fixed rate, never overlapping, see schedule.ts) and, alongside, the pass-through
 * long-poll. A failed sync is logged and reported to Lanyard, and the next one runs on schedule;
 * the process keeps going until stopped.
 *
 * @example
 *   const agent = startAgent({ config, secrets, logger });
 *   process.once('SIGTERM', () => agent.stop());
 */
export interface RunningAgent {
  /** Resolves after the sync in progress (if any) finished and the poll ended. */
  stop(): Promise<void>;
  /** Reports of the syncs run so far (newest last). */
  readonly reports: readonly SyncReport[];
}

export const agentVersion = '0.1.0';

export function startAgent(options: { config: AgentConfig; secrets: AgentSecrets; logger: Logger; api?: AgentApi; pollWaitSeconds?: number; clock?: Clock }): RunningAgent {
  const { config, secrets, logger } = options;
  const api = options.api ?? createAgentApi(config.server, secrets.agentKey);
  const reports: SyncReport[] = [];

  const syncOnce = async () => {
    try {
      // The loop runs again within deletionScanSeconds, so it alone may defer the deletion scan.
      reports.push(await runSync({ config, bindPassword: secrets.bindPassword, api, logger, version: agentVersion, deletionScan: 'when-due' }));
    } catch (error) {
      logger.error('sync failed', { code: isLanyardError(error) ? error.code : undefined, error: isLanyardError(error) ? error.message : error });
    }
  };
  const syncs = repeatAtFixedRate(config.intervalSeconds * 1000, syncOnce, options.clock);
  const stopPassThrough = startPassThroughWorker({ config, bindPassword: secrets.bindPassword, api, logger, waitSeconds: options.pollWaitSeconds ?? 25 });

  return {
    reports,
    async stop() {
      await Promise.all([syncs.stop(), stopPassThrough()]);
    },
  };
}
