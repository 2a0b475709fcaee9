import { z } from 'zod';
import { LanyardError } from '../../core/errors.ts';
import { provisioningOutcomes } from '../../provisioning/data/tables.ts';
import { requireRun, runReport, showRun } from '../../provisioning/runs/run-admin.ts';
import { startRunAsJob } from '../../provisioning/runs/run-job.ts';
import { organizationRuns } from '../../portal/views/provisioning.ts';
import { requestedByOf } from '../caller.ts';
import { apiPrefix } from '../mount.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { named, runShape } from '../shapes.ts';

const runRequestSchema = z.strictObject({
  kind: z.enum(['import', 'export']),
  dryRun: z.boolean().default(false),
  /** Allow a run to disable more accounts than the organization's threshold. */
  confirm: z.boolean().default(false).describe('Allow the run to disable more accounts than the organization\'s threshold'),
});
const resultShape = named('ProvisioningResult', z.strictObject({
  upn: z.string(),
  outcome: z.enum(provisioningOutcomes),
  reason: z.string().nullable(),
  message: z.string().nullable(),
  microsoftObjectId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
}), 'What a run did to one account.');

/**
 * Provisioning runs: start one (a `provisioning.run` job of the job runner: this node's runner
 * starts it at once, and another node's takes it over if this one stops), list them, follow one.
 */
export const provisioningEndpoints: readonly Endpoint[] = [
  endpoint({
    id: 'startProvisioningRun', method: 'post', path: '/provisioning/runs', scope: 'organization', action: 'provisioning.run', tag: 'Provisioning', status: 202,
    summary: 'Starts an import or export (or its dry run) as a job; 409 RUN_IN_PROGRESS names the running run',
    body: runRequestSchema,
    // Disabling more accounts than the threshold is its own dangerous action, as in the portal.
    actionsOf: (body) => (body.confirm && !body.dryRun ? ['provisioning.confirm-disables'] : []),
    response: z.strictObject({ run: runShape, resumed: z.boolean(), jobId: z.string() }),
    errors: ['RUN_IN_PROGRESS', 'TENANT_NOT_CONNECTED'],
    handle: async ({ deps, ctx, organization, body, caller }) => {
      const { run, resumed, job } = await startRunAsJob(deps.provisioning, deps.jobs, { organization, ...body, trigger: 'api', requestedBy: requestedByOf(caller) });
      // The run's address in the form the caller used: its token's own, or the organization's.
      const base = ctx.path.startsWith(`${apiPrefix}/orgs/`) ? `${apiPrefix}/orgs/${organization.slug}` : apiPrefix;
      ctx.set('Location', `${base}/provisioning/runs/${run.id}`);
      return { run: await runReport(deps.context.db, run), resumed, jobId: job.id };
    },
  }),
  endpoint({
    id: 'listProvisioningRuns', method: 'get', path: '/provisioning/runs', scope: 'organization', action: 'provisioning.view', tag: 'Provisioning',
    summary: 'The organization\'s provisioning runs, newest first',
    response: z.strictObject({ runs: z.array(runShape) }),
    handle: async ({ deps, organization, caller }) => ({ runs: await organizationRuns(deps.context, caller.admin, organization) }),
  }),
  endpoint({
    id: 'getProvisioningRun', method: 'get', path: '/provisioning/runs/:id', scope: 'organization', action: 'provisioning.view', tag: 'Provisioning',
    summary: 'One run\'s report with a page of its per-account results (another organization\'s run is not found)',
    params: z.strictObject({ id: z.string().min(1).max(100) }),
    query: z.object({
      outcome: z.enum(provisioningOutcomes).optional(),
      after: z.string().max(400).optional().describe('The UPN after which the page starts'),
      limit: z.coerce.number().int().min(1).max(1000).default(500),
    }),
    response: z.strictObject({ report: runShape, results: z.array(resultShape) }),
    errors: ['RUN_NOT_FOUND'],
    handle: async ({ deps, organization, params, query }) => {
      const run = await requireRun(deps.context.db, params.id);
      // Another organization's run is reported exactly like a missing one.
      if (run.organizationId !== organization.id) throw new LanyardError('RUN_NOT_FOUND', `no provisioning run "${params.id}"`);
      return showRun(deps.context.db, run.id, { outcomes: query.outcome ? [query.outcome] : undefined, after: query.after, limit: query.limit });
    },
  }),
];
