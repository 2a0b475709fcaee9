import type { JobQueue } from '../../core/module.ts';
import type { Organization } from '../../core/db/schema.ts';
import { LanyardError } from '../../core/errors.ts';
import { provisioningOutcomes, type ProvisioningOutcome, type ProvisioningRunKind } from '../../provisioning/data/tables.ts';
import { listRunReports, provisioningDeps, requireRun, showRun, type RunReport } from '../../provisioning/runs/run-admin.ts';
import { startRunAsJob } from '../../provisioning/runs/run-job.ts';
import { organizationTarget, requireCan } from '../admins.ts';
import type { Admin } from '../policy.ts';
import type { FederationContext } from './domains.ts';

/**
 * The Provisioning page's actions over the provisioning module's own run services: runs are jobs
 * of the job runner (as from the admin API, trigger 'api', requested by 'api:user:<upn>'). From the
 * portal a real run is only started from a completed dry run of the same kind: the diff is seen first.
 */

export async function organizationRuns(context: FederationContext, admin: Admin, organization: Organization): Promise<RunReport[]> {
  requireCan(admin, 'provisioning.view', await organizationTarget(context.db, organization));
  return listRunReports(context.db, organization.slug);
}

/** A run of this organization with one page of its per-account results; another's is not found. */
export async function organizationRun(context: FederationContext, admin: Admin, organization: Organization, runId: string, outcomes?: readonly ProvisioningOutcome[]) {
  requireCan(admin, 'provisioning.view', await organizationTarget(context.db, organization));
  const run = await requireRun(context.db, runId);
  if (run.organizationId !== organization.id) throw new LanyardError('RUN_NOT_FOUND', 'No such provisioning run in this organization.');
  return showRun(context.db, run.id, outcomes?.length ? { outcomes } : {});
}

export function outcomesOf(values: readonly string[]): ProvisioningOutcome[] {
  return values.filter((value): value is ProvisioningOutcome => (provisioningOutcomes as readonly string[]).includes(value));
}

export async function startOrganizationRun(
  context: FederationContext, jobs: JobQueue, admin: Admin, organization: Organization,
  input: { kind: string; dryRun: boolean; confirm: boolean; fromDryRun?: string | undefined },
): Promise<string> {
  requireCan(admin, 'provisioning.run', await organizationTarget(context.db, organization));
  if (input.kind !== 'import' && input.kind !== 'export') throw new LanyardError('API_REQUEST_INVALID', 'kind must be import or export');
  const kind: ProvisioningRunKind = input.kind;
  if (!input.dryRun) {
    const dry = input.fromDryRun ? await requireRun(context.db, input.fromDryRun).catch(() => undefined) : undefined;
    if (!dry || dry.organizationId !== organization.id || dry.kind !== kind || dry.dryRun !== 1 || dry.status !== 'completed') {
      throw new LanyardError('PROVISIONING_DRY_RUN_REQUIRED', `Start the real ${kind} from a completed dry run of it: its diff is what you confirm.`);
    }
  }
  const deps = provisioningDeps(context, undefined, { ...(context.delegatedAccess && { delegatedTenantAccess: context.delegatedAccess }) });
  const { run } = await startRunAsJob(deps, jobs, { organization, kind, dryRun: input.dryRun, confirm: input.confirm, trigger: 'api', requestedBy: `api:${admin.actor}` });
  return run.id;
}
