import { isLanyardError } from '../../core/errors.ts';
import type { JobDefinition } from '../../core/jobs/job-runner.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { listAccountsChangedSince } from '../data/provisioning-accounts.ts';
import { listOrphanedRuns } from '../data/provisioning-runs.ts';
import { listAutoProvisioningSettings, updateProvisioningSettings } from '../data/provisioning-settings.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import type { ProvisioningSettings } from '../data/tables.ts';
import type { Services } from '../../core/services.ts';
import type { AppContext } from '../../core/context.ts';
import { provisioningDeps } from './run-admin.ts';
import { nowOf, type ProvisioningDeps } from './run-context.ts';
import { claimInterruptedRun, executeRun, requestRun } from './run-service.ts';

/** Accounts exported by one auto-provisioning run at most; the rest follow on the next tick. */
const autoBatchSize = 1000;

/**
 * The background work of provisioning, a periodic job of the one job runner (so one node at a time
 * does it): resume runs whose holder died (their lease expired), and export accounts changed since
 * the last auto-provisioning run of organizations that turned it on. Runs keep their own leases, so
 * a run is worked by exactly one process whichever node starts it.
 */
export function provisioningWorkerJob(context: AppContext, services: Services = {}): JobDefinition {
  return provisioningWorkerJobWith(provisioningDeps(context, undefined, services), context.config.provisioning.pollSeconds);
}

/** The job with explicit dependencies (tests give their own Graph access). */
export function provisioningWorkerJobWith(deps: ProvisioningDeps, everySeconds: number): JobDefinition {
  return {
    kind: 'provisioning.worker',
    everySeconds,
    run: async (_payload, job) => {
      const stopped = () => job.signal.aborted;
      await resumeOrphanedRuns(deps, stopped);
      for (const settings of await listAutoProvisioningSettings(deps.db)) {
        if (stopped()) return;
        await autoProvision(deps, settings);
      }
    },
  };
}

async function resumeOrphanedRuns(deps: ProvisioningDeps, isStopped: () => boolean): Promise<void> {
  for (const run of await listOrphanedRuns(deps.db, nowOf(deps))) {
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
  const changed = await listAccountsChangedSince(deps.db, settings.organizationId, watermark, autoBatchSize);
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
