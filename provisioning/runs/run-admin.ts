import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { listResults } from '../data/provisioning-results.ts';
import { findRun, listRuns, parseCounts } from '../data/provisioning-runs.ts';
import { readProvisioningSettings, updateProvisioningSettings } from '../data/provisioning-settings.ts';
import type { ProvisioningOutcome, ProvisioningResult, ProvisioningRun, ProvisioningRunKind } from '../data/tables.ts';
import { requireOrganization } from '../../idp/accounts/organizations.ts';
import type { AppContext } from '../../core/context.ts';
import type { Services } from '../../core/services.ts';
import { openTenantGraph } from '../tenant/graph-client.ts';
import { newLeaseOwner, type ProvisioningDeps, type RunProgress } from './run-context.ts';
import { claimInterruptedRun, executeRun, requestRun } from './run-service.ts';

/**
 * What admins do with provisioning (CLI and admin API): start, resume and read runs, and change
 * the organization's provisioning settings. Every change is audited.
 */

/**
 * Provisioning dependencies of a process, from its AppContext and the modules' services (an
 * organization linked to a CSP customer reaches its tenant through `services.delegatedTenantAccess`).
 */
export function provisioningDeps(context: AppContext, owner: string = newLeaseOwner(), services: Services = {}): ProvisioningDeps {
  return {
    db: context.db,
    logger: context.logger.child({ component: 'provisioning' }),
    openGraph: (organizationId) => openTenantGraph({ db: context.db, masterKey: context.masterKey, config: context.config, delegatedAccess: services.delegatedTenantAccess }, organizationId),
    leaseSeconds: context.config.provisioning.leaseSeconds,
    owner,
    publicUrl: context.config.publicUrl,
  };
}

export interface StartRunInput {
  readonly organization: string;
  readonly kind: ProvisioningRunKind;
  readonly dryRun: boolean;
  readonly confirm: boolean;
  readonly requestedBy: string;
  readonly trigger: 'cli' | 'api';
}

/**
 * Starts (or resumes the interrupted) import or export of an organization and works it through in
 * this process. Returns the finished run and whether it was a resumption.
 *
 * @example
 *   const { run } = await runProvisioning(deps, { organization: 'contoso', kind: 'export', dryRun: true, confirm: false, requestedBy: 'cli', trigger: 'cli' });
 */
export async function runProvisioning(deps: ProvisioningDeps, input: StartRunInput, onProgress?: (progress: RunProgress) => void): Promise<{ run: ProvisioningRun; resumed: boolean }> {
  const organization = await requireOrganization(deps.db, input.organization);
  const { run, resumed } = await requestRun(deps, { ...input, organization });
  return { run: await executeRun(deps, run.id, onProgress), resumed };
}

/** Resumes an interrupted run by id (its holder crashed or stopped renewing its lease). */
export async function resumeProvisioning(deps: ProvisioningDeps, runId: string, onProgress?: (progress: RunProgress) => void): Promise<ProvisioningRun> {
  const run = await requireRun(deps.db, runId);
  if (run.status !== 'running') throw new LanyardError('RUN_FINISHED', `run ${run.id} is ${run.status}; start a new one instead`, { runId });
  if (!(await claimInterruptedRun(deps, run.id))) {
    throw new LanyardError('RUN_IN_PROGRESS', `run ${run.id} is held by ${run.leaseOwner ?? 'another process'} until ${run.leaseExpiresAt ?? '?'}`, { runId });
  }
  return executeRun(deps, run.id, onProgress);
}

export async function requireRun(db: Db, runId: string): Promise<ProvisioningRun> {
  const run = /^[0-9a-f-]{36}$/i.test(runId) ? await findRun(db, runId) : undefined;
  if (!run) throw new LanyardError('RUN_NOT_FOUND', `no provisioning run "${runId}"`);
  return run;
}

/** A run as admins read it (CLI `runs show`, admin API). */
export interface RunReport {
  readonly id: string;
  readonly organization: string;
  readonly kind: ProvisioningRunKind;
  readonly trigger: string;
  readonly requestedBy: string;
  readonly status: ProvisioningRun['status'];
  readonly phase: ProvisioningRun['phase'];
  readonly dryRun: boolean;
  readonly total: number | null;
  readonly processed: number;
  readonly counts: Partial<Record<ProvisioningOutcome, number>>;
  readonly throttled: number;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly heldBy: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export async function runReport(db: Db, run: ProvisioningRun): Promise<RunReport> {
  const organization = await findOrganizationById(db, run.organizationId);
  return {
    id: run.id,
    organization: organization?.slug ?? run.organizationId,
    kind: run.kind,
    trigger: run.trigger,
    requestedBy: run.requestedBy,
    status: run.status,
    phase: run.phase,
    dryRun: run.dryRun === 1,
    total: run.total,
    processed: run.processed,
    counts: parseCounts(run),
    throttled: run.throttledCount,
    error: run.errorCode ? { code: run.errorCode, message: run.errorMessage ?? '' } : null,
    heldBy: run.status === 'running' ? run.leaseOwner : null,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
  };
}

/** A run's per-account results as admins read them. */
export function resultView(result: ProvisioningResult) {
  return {
    upn: result.subject,
    outcome: result.outcome,
    reason: result.reasonCode,
    message: result.message,
    microsoftObjectId: result.microsoftObjectId,
    details: result.details ? (JSON.parse(result.details) as Record<string, unknown>) : null,
  };
}

/** The report and one page of results (all outcomes, or only some). */
export async function showRun(db: Db, runId: string, options: { outcomes?: readonly ProvisioningOutcome[]; after?: string; limit?: number; search?: string } = {}) {
  const run = await requireRun(db, runId);
  const results = await listResults(db, run.id, options);
  return { report: await runReport(db, run), results: results.map(resultView) };
}

export async function listRunReports(db: Db, organizationSlug: string): Promise<RunReport[]> {
  const organization = await requireOrganization(db, organizationSlug);
  return Promise.all((await listRuns(db, organization.id)).map((run) => runReport(db, run)));
}

/**
 * Auto-provisioning on or off. Turning it on starts from now: accounts changed from now on are
 * exported by `lanyard serve`; earlier ones need one `lanyard users export`.
 */
export async function setAutoProvisioning(db: Db, organizationSlug: string, enabled: boolean, actor: string): Promise<void> {
  const organization = await requireOrganization(db, organizationSlug);
  const settings = await readProvisioningSettings(db, organization.id);
  await updateProvisioningSettings(db, organization.id, {
    autoProvisioning: enabled ? 1 : 0,
    ...(enabled && settings.autoProvisioning === 0 ? { autoWatermark: new Date().toISOString() } : {}),
  });
  await recordAuditEvent(db, { actor, action: 'provisioning.auto', target: organization.slug, outcome: 'success', details: { enabled } });
}

export async function setProvisioningThreshold(db: Db, organizationSlug: string, threshold: number, actor: string): Promise<void> {
  if (!Number.isInteger(threshold) || threshold < 0) throw new LanyardError('THRESHOLD_INVALID', 'the threshold is a whole number of accounts, 0 or more');
  const organization = await requireOrganization(db, organizationSlug);
  await updateProvisioningSettings(db, organization.id, { deletionThreshold: threshold });
  await recordAuditEvent(db, { actor, action: 'provisioning.threshold', target: organization.slug, outcome: 'success', details: { threshold } });
}

export async function setDefaultUsageLocation(db: Db, organizationSlug: string, usageLocation: string | null, actor: string): Promise<void> {
  const value = usageLocation === null ? null : usageLocation.trim().toUpperCase();
  if (value !== null && !/^[A-Z]{2}$/.test(value)) throw new LanyardError('USAGE_LOCATION_INVALID', 'the usage location is a two-letter country code (ISO 3166-1), e.g. US or GB');
  const organization = await requireOrganization(db, organizationSlug);
  await updateProvisioningSettings(db, organization.id, { defaultUsageLocation: value });
  await recordAuditEvent(db, { actor, action: 'provisioning.usage-location', target: organization.slug, outcome: 'success', details: { usageLocation: value } });
}
