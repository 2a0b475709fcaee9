import { isLanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../db/audit-events.ts';
import { listOrphanedRuns } from '../../db/provisioning-runs.ts';
import { listAutoProvisioningSettings, updateProvisioningSettings } from '../../db/provisioning-settings.ts';
import { findOrganizationById } from '../../db/organizations.ts';
import type { ProvisioningSettings } from '../../db/schema.ts';
import type { AppContext } from '../../core/context.ts';
import { provisioningDeps } from './run-admin.ts';
import type { ProvisioningDeps } from './run-context.ts';
import { claimInterruptedRun, executeRun, requestRun } from './run-service.ts';

/** Accounts exported by one auto-provisioning run at most; the rest follow on the next tick. */
const autoBatchSize = 1000;

export interface ProvisioningWorker {
  /** Stops polling and waits for the run in progress (if any) to reach its next page. */
  stop(): Promise<void>;
}

/**
 * The background work of `lanyard serve`, on every node: resume runs whose holder died (their lease
 * expired), and export accounts changed since the last auto-provisioning run of organizations that
 * turned it on. Runs are claimed through the database (run slot per organization, run leases), so
 * with several nodes each run is worked by exactly one of them.
 *
 * @example
 *   const worker = startProvisioningWorker(context);
 *   // on shutdown:
 *   await worker.stop();
 */
export function startProvisioningWorker(context: AppContext, options: { pollSeconds?: number } = {}): ProvisioningWorker {
  return startWorkerWith(provisioningDeps(context), options.pollSeconds ?? context.config.provisioning.pollSeconds);
}

/** The worker loop with explicit dependencies (tests give their own Graph access). */
export function startWorkerWith(deps: ProvisioningDeps, pollSeconds: number): ProvisioningWorker {
  const interval = pollSeconds * 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    try {
      await resumeOrphanedRuns(deps, () => stopped);
      for (const settings of await listAutoProvisioningSettings(deps.db)) {
        if (stopped) return;
        await autoProvision(deps, settings);
      }
    } catch (error) {
      deps.logger.warn('provisioning worker tick failed', { error });
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(schedule);
    }, interval);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}

async function resumeOrphanedRuns(deps: ProvisioningDeps, isStopped: () => boolean): Promise<void> {
  for (const run of await listOrphanedRuns(deps.db)) {
    if (isStopped()) return;
    if (!(await claimInterruptedRun(deps, run.id))) continue;
    deps.logger.info('resuming interrupted provisioning run', { runId: run.id, kind: run.kind });
    await executeRun(deps, run.id);
  }
}

/** One export of the organization's accounts updated after the watermark, then the watermark moves on. */
async function autoProvision(deps: ProvisioningDeps, settings: ProvisioningSettings): Promise<void> {
  if (settings.activeRunId) return;
  const watermark = settings.autoWatermark ?? new Date(0).toISOString();
  const changed = await deps.db
    .selectFrom('users')
    .select(['id', 'updatedAt'])
    .where('organizationId', '=', settings.organizationId)
    .where('updatedAt', '>', watermark)
    .where('status', '!=', 'pending')
    .orderBy('updatedAt')
    .limit(autoBatchSize)
    .execute();
  if (changed.length === 0) return;
  const organization = await findOrganizationById(deps.db, settings.organizationId);
  if (!organization) return;
  let runId: string;
  try {
    const { run } = await requestRun(deps, {
      organization,
      kind: 'export',
      dryRun: false,
      confirm: false,
      trigger: 'auto',
      requestedBy: 'auto',
      scopeUserIds: changed.map((user) => user.id),
    });
    runId = run.id;
  } catch (error) {
    if (isLanyardError(error, 'RUN_IN_PROGRESS')) return;
    throw error;
  }
  const finished = await executeRun(deps, runId);
  // A failed run (Graph unreachable, say) leaves the watermark: the same accounts are tried again.
  if (finished.status === 'completed') {
    await updateProvisioningSettings(deps.db, settings.organizationId, { autoWatermark: changed.at(-1)!.updatedAt });
  } else if (finished.status === 'stopped') {
    // The deletion guard needs a person: pause instead of stopping again every few seconds.
    await updateProvisioningSettings(deps.db, settings.organizationId, { autoProvisioning: 0 });
    await recordAuditEvent(deps.db, { actor: 'auto', action: 'provisioning.auto-paused', target: organization.slug, outcome: 'failure', reason: finished.errorCode, details: { runId } });
    deps.logger.warn('auto-provisioning paused by the deletion guard', { organization: organization.slug, runId });
  }
}
