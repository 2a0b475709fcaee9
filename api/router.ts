import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { getAgentStatus } from '../agent/server/admin.ts';
import { bearerKeyOf } from '../core/bearer-keys.ts';
import { LanyardError } from '../core/errors.ts';
import { readJsonBody } from '../core/json-body.ts';
import type { Logger } from '../core/logger.ts';
import { listDomains } from '../core/db/domains.ts';
import { findOrganizationById } from '../core/db/organizations.ts';
import { type Organization } from '../core/db/schema.ts';
import { provisioningOutcomes, type ProvisioningOutcome } from '../provisioning/data/tables.ts';
import { type ApiToken } from './data/tables.ts';
import { listUsers } from '../core/db/users.ts';
import { listRunReports, requireRun, runReport, showRun } from '../provisioning/runs/run-admin.ts';
import type { ProvisioningDeps } from '../provisioning/runs/run-context.ts';
import { startRunAsJob } from '../provisioning/runs/run-job.ts';
import type { AppContext } from '../core/context.ts';
import type { JobQueue } from '../core/module.ts';
import { createRouter } from '../core/router.ts';
import { authenticateApiToken } from './api-tokens.ts';

const runRequestSchema = z.strictObject({
  kind: z.enum(['import', 'export']),
  dryRun: z.boolean().default(false),
  /** Allow a run to disable more accounts than the organization's threshold. */
  confirm: z.boolean().default(false),
});
const pageLimit = (value: string | undefined, fallback: number) => {
  const limit = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LanyardError('API_REQUEST_INVALID', 'limit must be a whole number from 1 to 1000');
  return limit;
};

/**
 * The admin API, `/api/v1/…`, JSON only, `Authorization: Bearer <API token>`; a token acts for its
 * one organization and sees nothing of another (another organization's run is simply not found).
 *
 * | method | path | answer |
 * |---|---|---|
 * | GET  | /organization | { slug, name, mfaPolicy, domains } |
 * | GET  | /users?after=&limit= | { users, next } |
 * | POST | /provisioning/runs { kind, dryRun?, confirm? } | 202 { run, resumed, jobId } · 409 RUN_IN_PROGRESS naming the running run |
 * | GET  | /provisioning/runs | { runs } |
 * | GET  | /provisioning/runs/:id?outcome=&after=&limit= | { report, results } |
 * | GET  | /directory/status | agents, last sync, deletion guard |
 *
 * Errors are `{ error: { code, message } }` with the LanyardError status (the app's error handler
 * answers JSON under /api/). A run started here is a `provisioning.run` job (`jobId`) of the job
 * runner: the runner of this node starts it at once, and if this node stops, another node's takes it over.
 */
export function createAdminApiRouter(context: AppContext, provisioning: ProvisioningDeps, jobs: JobQueue, options: { maxBodyBytes?: number } = {}): Router {
  const { db } = context;
  const router = createRouter({ prefix: '/api/v1' });
  router.use(async (ctx: Context, next: Next) => {
    const token = await authenticateApiToken(db, bearerKeyOf(ctx.get('authorization')));
    const organization = await findOrganizationById(db, token.organizationId);
    if (!organization) throw new LanyardError('API_TOKEN_INVALID', 'the API token is not valid');
    ctx.state.apiToken = token;
    ctx.state.organization = organization;
    await next();
  });
  // Fail closed (401) if a handler were ever reached without the guard above.
  const authenticated = (ctx: Context) => {
    const token = ctx.state.apiToken as ApiToken | undefined;
    const organization = ctx.state.organization as Organization | undefined;
    if (!token || !organization) throw new LanyardError('API_TOKEN_INVALID', 'the API token is not valid');
    return { token, organization };
  };
  const organizationOf = (ctx: Context) => authenticated(ctx).organization;
  const actorOf = (ctx: Context) => `api:${authenticated(ctx).token.name}`;

  router.get('/organization', async (ctx) => {
    const organization = organizationOf(ctx);
    const domains = await listDomains(db, organization.id);
    ctx.body = {
      slug: organization.slug,
      name: organization.name,
      mfaPolicy: organization.mfaPolicy,
      domains: domains.map((domain) => ({ name: domain.name, issuerUri: domain.issuerUri, protocol: domain.protocol, mfaBehavior: domain.mfaBehavior })),
    };
  });

  router.get('/users', async (ctx) => {
    const limit = pageLimit(ctx.query.limit as string | undefined, 200);
    const after = typeof ctx.query.after === 'string' ? ctx.query.after : undefined;
    const users = await listUsers(db, organizationOf(ctx).id, { after, limit: limit + 1 });
    const page = users.slice(0, limit);
    ctx.body = {
      users: page.map((user) => ({
        upn: user.upn, immutableId: user.immutableId, displayName: user.displayName, givenName: user.givenName, surname: user.surname,
        source: user.source, status: user.status, usageLocation: user.usageLocation, microsoftObjectId: user.microsoftObjectId, createdAt: user.createdAt, updatedAt: user.updatedAt,
      })),
      next: users.length > limit ? page.at(-1)!.upn : null,
    };
  });

  router.post('/provisioning/runs', async (ctx) => {
    const request = await readJsonBody(ctx, options.maxBodyBytes ?? 16 * 1024, runRequestSchema, 'API_REQUEST_INVALID');
    const { run, resumed, job } = await startRunAsJob(provisioning, jobs, { organization: organizationOf(ctx), ...request, trigger: 'api', requestedBy: actorOf(ctx) });
    ctx.status = 202;
    ctx.set('Location', `/api/v1/provisioning/runs/${run.id}`);
    ctx.body = { run: await runReport(db, run), resumed, jobId: job.id };
  });

  router.get('/provisioning/runs', async (ctx) => {
    ctx.body = { runs: await listRunReports(db, organizationOf(ctx).slug) };
  });

  router.get('/provisioning/runs/:id', async (ctx) => {
    const run = await requireRun(db, ctx.params.id!);
    // Another organization's run is reported exactly like a missing one.
    if (run.organizationId !== organizationOf(ctx).id) throw new LanyardError('RUN_NOT_FOUND', `no provisioning run "${ctx.params.id}"`);
    const outcome = ctx.query.outcome;
    if (outcome !== undefined && !provisioningOutcomes.includes(outcome as ProvisioningOutcome)) {
      throw new LanyardError('API_REQUEST_INVALID', `outcome must be one of ${provisioningOutcomes.join(', ')}`);
    }
    ctx.body = await showRun(db, run.id, {
      outcomes: outcome ? [outcome as ProvisioningOutcome] : undefined,
      after: typeof ctx.query.after === 'string' ? ctx.query.after : undefined,
      limit: pageLimit(ctx.query.limit as string | undefined, 500),
    });
  });

  router.get('/directory/status', async (ctx) => {
    ctx.body = await getAgentStatus(db, organizationOf(ctx).slug);
  });

  return router;
}
