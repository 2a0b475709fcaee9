import type { JobQueue } from '../../core/module.ts';
import type { Organization } from '../../core/db/schema.ts';
import { LanyardError } from '../../core/errors.ts';
import { provisioningOutcomes, type ProvisioningOutcome, type ProvisioningRunKind } from '../../provisioning/data/tables.ts';
import { parseCounts } from '../../provisioning/data/provisioning-runs.ts';
import { readProvisioningSettings } from '../../provisioning/data/provisioning-settings.ts';
import { listRunReports, provisioningDeps, requireRun, runReport, showRun, type RunReport } from '../../provisioning/runs/run-admin.ts';
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

/** Which of a run's per-account results to show: outcomes (none: all), UPN text, and the page (keyset: after the last UPN seen). */
export interface ResultFilter {
  readonly outcomes: readonly ProvisioningOutcome[];
  readonly search: string;
  readonly after: string | undefined;
  readonly limit: number;
}

/** Results per page of the run page; the JSON twin answers up to 1000 (its default, as before). */
export const resultsPageSize = 100;
const maxResultsPage = 1000;

/** The filter from a query string; `limit` 0 answers only the report (what live progress polls). */
export function resultFilterOf(query: URLSearchParams, defaultLimit: number): ResultFilter {
  // `outcome` repeats (one per box ticked); the others must not (parameter pollution picks no value silently).
  for (const name of ['q', 'after', 'limit']) {
    if (query.getAll(name).length > 1) throw new LanyardError('REQUEST_DUPLICATE_FIELD', `parameter "${name}" appears more than once`);
  }
  const limitText = query.get('limit');
  if (limitText !== null && !/^\d{1,4}$/.test(limitText)) throw new LanyardError('API_REQUEST_INVALID', `limit is a whole number from 0 to ${maxResultsPage}`);
  const limit = limitText === null ? defaultLimit : Number(limitText);
  if (limit > maxResultsPage) throw new LanyardError('API_REQUEST_INVALID', `limit is a whole number from 0 to ${maxResultsPage}`);
  return {
    outcomes: outcomesOf(query.getAll('outcome')),
    search: (query.get('q') ?? '').trim().slice(0, 200),
    after: query.get('after')?.slice(0, 400) || undefined,
    limit,
  };
}

/**
 * A run of this organization with one page of its per-account results and the cursor of the next
 * page (null on the last); another organization's run is not found.
 */
export async function organizationRun(context: FederationContext, admin: Admin, organization: Organization, runId: string, filter: ResultFilter) {
  requireCan(admin, 'provisioning.view', await organizationTarget(context.db, organization));
  const run = await requireRun(context.db, runId);
  if (run.organizationId !== organization.id) throw new LanyardError('RUN_NOT_FOUND', 'No such provisioning run in this organization.');
  if (filter.limit === 0) return { report: await runReport(context.db, run), results: [], next: null };
  // One more than the page: whether there is a next page, without counting them all.
  const { report, results } = await showRun(context.db, run.id, {
    limit: filter.limit + 1,
    ...(filter.outcomes.length > 0 && { outcomes: filter.outcomes }),
    ...(filter.search && { search: filter.search }),
    ...(filter.after !== undefined && { after: filter.after }),
  });
  const page = results.slice(0, filter.limit);
  return { report, results: page, next: results.length > filter.limit ? page.at(-1)!.upn : null };
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
  // Confirming is its own (dangerous) action; the route has asked for a fresh second factor.
  const confirm = !input.dryRun && input.confirm;
  if (confirm) requireCan(admin, 'provisioning.confirm-disables', await organizationTarget(context.db, organization));
  if (!input.dryRun) {
    const dry = input.fromDryRun ? await requireRun(context.db, input.fromDryRun).catch(() => undefined) : undefined;
    if (!dry || dry.organizationId !== organization.id || dry.kind !== kind || dry.dryRun !== 1 || dry.status !== 'completed') {
      throw new LanyardError('PROVISIONING_DRY_RUN_REQUIRED', `Start the real ${kind} from a completed dry run of it: its diff is what you confirm.`);
    }
    // Refused at once rather than started only to stop at the guard: the dry run already shows it.
    const disables = parseCounts(dry).disabled ?? 0;
    const { deletionThreshold } = await readProvisioningSettings(context.db, organization.id);
    if (disables > deletionThreshold && !confirm) {
      throw new LanyardError('PROVISIONING_THRESHOLD_EXCEEDED', `This ${kind} would disable ${disables} accounts, more than the organization's threshold of ${deletionThreshold}: confirm it (with a fresh authenticator code) to run it.`, { count: disables, threshold: deletionThreshold });
    }
  }
  const deps = provisioningDeps(context, undefined, { ...(context.delegatedAccess && { delegatedTenantAccess: context.delegatedAccess }) });
  const { run } = await startRunAsJob(deps, jobs, { organization, kind, dryRun: input.dryRun, confirm, trigger: 'api', requestedBy: `api:${admin.actor}` });
  return run.id;
}
