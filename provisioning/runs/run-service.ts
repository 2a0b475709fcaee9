import { randomUUID } from 'node:crypto';
import { LanyardError, isLanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { claimRunLease, findRun, insertRun, updateHeldRun } from '../data/provisioning-runs.ts';
import { claimRunSlot, readProvisioningSettings, releaseRunSlot } from '../data/provisioning-settings.ts';
import { deleteTenantSnapshot } from '../data/provisioning-tenant-users.ts';
import type { Organization } from '../../core/db/schema.ts';
import type { ProvisioningRun, ProvisioningRunKind } from '../data/tables.ts';
import { exportAccounts } from '../export/export-run.ts';
import { newGraphCallStats } from '../graph/retry.ts';
import { importAccounts } from '../import/import-run.ts';
import { nowOf, RunContext, RunInterrupted, RunLeaseLost, type ProvisioningDeps, type RunProgress } from './run-context.ts';
import { snapshotTenantUsers } from './tenant-snapshot.ts';

export interface RunRequest {
  readonly organization: Organization;
  readonly kind: ProvisioningRunKind;
  readonly dryRun: boolean;
  /** Allow disabling more accounts than the organization's threshold. */
  readonly confirm: boolean;
  readonly trigger: ProvisioningRun['trigger'];
  /** 'cli', 'api:<admin>', 'auto'. */
  readonly requestedBy: string;
  /** Only these accounts (auto-provisioning); all when absent. */
  readonly scopeUserIds?: readonly string[];
  /**
   * The run is for the job runner (see run-job.ts): written held by nobody, but reserved for
   * `leaseSeconds` so that no other process resumes it before its job claims it.
   */
  readonly forJob?: boolean;
}

/**
 * Starts a run, or resumes the organization's interrupted run of the same kind. Only one import or
 * export runs per organization: the slot and the new run are written in one transaction, so of two
 * requests exactly one gets it, and the other learns which run holds it (RUN_IN_PROGRESS).
 *
 * @example
 *   const { run, resumed } = await requestRun(deps, { organization, kind: 'export', dryRun: false, confirm: false, trigger: 'cli', requestedBy: 'cli' });
 *   await executeRun(deps, run.id);
 */
export async function requestRun(deps: ProvisioningDeps, request: RunRequest, now: Date = nowOf(deps)): Promise<{ run: ProvisioningRun; resumed: boolean }> {
  const { db } = deps;
  const holder = request.forJob ? null : deps.owner;
  const settings = await readProvisioningSettings(db, request.organization.id);
  if (settings.activeRunId) {
    const active = await findRun(db, settings.activeRunId);
    if (active?.status === 'running') {
      // A run reserved for its job is not orphaned until the reservation ends.
      const orphaned = (active.leaseExpiresAt ?? '') < now.toISOString();
      const resumable = orphaned && active.kind === request.kind && active.dryRun === (request.dryRun ? 1 : 0) && request.trigger !== 'auto';
      if (resumable && (await claimRunLease(db, active.id, holder, leaseEnd(deps, now), now))) {
        return { run: (await findRun(db, active.id))!, resumed: true };
      }
      throw new LanyardError(
        'RUN_IN_PROGRESS',
        orphaned
          ? `${active.kind} run ${active.id} of this organization was interrupted; it resumes with \`lanyard runs resume ${active.id}\` (or on its own under \`lanyard serve\`)`
          : `${active.kind} run ${active.id} is already running for this organization; follow it with \`lanyard runs show ${active.id}\``,
        { runId: active.id, kind: active.kind },
);
    }
    // The slot outlived its run (finished by an older version, or removed): free it.
    await releaseRunSlot(db, request.organization.id, settings.activeRunId);
  }
  const run: ProvisioningRun = {
    id: randomUUID(),
    organizationId: request.organization.id,
    kind: request.kind,
    trigger: request.trigger,
    requestedBy: request.requestedBy,
    status: 'running',
    phase: 'snapshot',
    dryRun: request.dryRun ? 1 : 0,
    confirmed: request.confirm ? 1 : 0,
    scopeUserIds: request.scopeUserIds ? JSON.stringify(request.scopeUserIds) : null,
    leaseOwner: holder,
    leaseExpiresAt: leaseEnd(deps, now).toISOString(),
    // Counted by the claim of the job that works it.
    attempts: holder ? 1 : 0,
    total: null,
    processed: 0,
    counts: '{}',
    throttledCount: 0,
    errorCode: null,
    errorMessage: null,
    createdAt: now.toISOString(),
    startedAt: now.toISOString(),
    finishedAt: null,
  };
  const claimed = await db.transaction().execute(async (trx) => {
    if (!(await claimRunSlot(trx, request.organization.id, run.id))) return false;
    await insertRun(trx, run);
    return true;
  });
  if (!claimed) {
    const holder = (await readProvisioningSettings(db, request.organization.id)).activeRunId;
    throw new LanyardError('RUN_IN_PROGRESS', `run ${holder ?? ''} is already running for this organization; follow it with \`lanyard runs show ${holder ?? ''}\``, { runId: holder });
  }
  await recordAuditEvent(db, {
    actor: request.requestedBy,
    action: `provisioning.${request.kind}`,
    target: request.organization.slug,
    outcome: 'success',
    details: { runId: run.id, dryRun: request.dryRun, confirm: request.confirm, trigger: request.trigger },
  });
  return { run, resumed: false };
}

/** Takes over an interrupted run (its holder crashed or stopped renewing). False when it is held. */
export async function claimInterruptedRun(deps: ProvisioningDeps, runId: string, now: Date = nowOf(deps)): Promise<boolean> {
  return claimRunLease(deps.db, runId, deps.owner, leaseEnd(deps, now), now);
}

/**
 * Works through a run this process holds: reads the tenant (unless a complete snapshot is there
 * from before an interruption), then imports or exports account by account, renewing the lease as
 * it goes. Ends the run as completed, stopped (deletion guard) or failed, and frees the slot.
 * Returns the run as finished; a run whose lease was lost is left to its new holder, and one whose
 * `signal` aborted (its process is stopping) stops at the next page, left to whoever resumes it.
 */
export async function executeRun(deps: ProvisioningDeps, runId: string, onProgress?: (progress: RunProgress) => void, signal?: AbortSignal): Promise<ProvisioningRun> {
  const { db } = deps;
  const run = await findRun(db, runId);
  if (!run || run.leaseOwner !== deps.owner) throw new RunLeaseLost(runId);
  const stats = newGraphCallStats();
  const heartbeat = setInterval(() => {
    updateHeldRun(db, run.id, deps.owner, { leaseExpiresAt: leaseEnd(deps, nowOf(deps)).toISOString() }).catch((error: unknown) =>
      deps.logger.warn('provisioning lease renewal failed', { runId, error }),
    );
  }, (deps.leaseSeconds * 1000) / 3);
  heartbeat.unref();
  let context: RunContext | undefined;
  try {
    const organization = await findOrganizationById(db, run.organizationId);
    if (!organization) throw new LanyardError('ORG_NOT_FOUND', `organization ${run.organizationId} no longer exists`);
    const settings = await readProvisioningSettings(db, organization.id);
    const graph = await deps.openGraph(organization.id);
    context = new RunContext(deps, run, organization, settings, graph, stats, onProgress, signal);
    if (run.phase === 'snapshot') {
      await deleteTenantSnapshot(db, run.id);
      await snapshotTenantUsers(graph.client, db, run.id, stats, async (read) => {
        await context!.assertLease();
        context!.progress('snapshot', read);
      });
      if (!(await updateHeldRun(db, run.id, deps.owner, { phase: 'apply' }))) throw new RunLeaseLost(run.id);
    }
    await (run.kind === 'import' ? importAccounts(context) : exportAccounts(context));
    return await finishRun(deps, run, { status: 'completed' }, context);
  } catch (error) {
    if (error instanceof RunLeaseLost || error instanceof RunInterrupted) throw error;
    const code = isLanyardError(error) ? error.code : 'PROVISIONING_FAILED';
    const message = error instanceof Error ? error.message : String(error);
    if (!isLanyardError(error) || error.status >= 500) deps.logger.error('provisioning run failed', { runId, error });
    const status = code === 'PROVISIONING_THRESHOLD_EXCEEDED' ? 'stopped' : 'failed';
    return finishRun(deps, run, { status, errorCode: code, errorMessage: message }, context);
  } finally {
    clearInterval(heartbeat);
  }
}

async function finishRun(
  deps: ProvisioningDeps,
  run: ProvisioningRun,
  outcome: { status: 'completed' | 'failed' | 'stopped'; errorCode?: string; errorMessage?: string },
  context: RunContext | undefined,
): Promise<ProvisioningRun> {
  await context?.flushThrottleCount();
  const finished = await updateHeldRun(deps.db, run.id, deps.owner, {
    status: outcome.status,
    phase: 'done',
    errorCode: outcome.errorCode ?? null,
    errorMessage: outcome.errorMessage ?? null,
    finishedAt: nowOf(deps).toISOString(),
    leaseOwner: null,
    leaseExpiresAt: null,
  });
  if (!finished) throw new RunLeaseLost(run.id);
  await deleteTenantSnapshot(deps.db, run.id);
  await releaseRunSlot(deps.db, run.organizationId, run.id);
  return (await findRun(deps.db, run.id))!;
}

function leaseEnd(deps: ProvisioningDeps, now: Date): Date {
  return new Date(now.getTime() + deps.leaseSeconds * 1000);
}
