import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { LanyardError } from '../../core/errors.ts';
import { readJsonBody } from '../../core/json-body.ts';
import type { Logger } from '../../core/logger.ts';
import { createRouter } from '../../core/router.ts';
import { setAgentError, touchAgent } from './data/agents.ts';
import type { Db } from '../../core/db/database.ts';
import { listDomains } from '../../core/db/domains.ts';
import { findSyncState } from './data/directory-sync-states.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { answerPassThroughRequest } from './data/pass-through-requests.ts';
import {
  agentErrorReportSchema, anchorSchema, batchRequestSchema, completeRunRequestSchema, failRunRequestSchema,
  passThroughAnswerSchema, pollRequestSchema, startRunRequestSchema,
} from '../protocol.ts';
import { agentAuthentication, currentAgent } from './agent-auth.ts';
import { applyBatch } from './apply-batch.ts';
import { holdPassThroughPoll } from './pass-through-poll.ts';
import { completeSyncRun, failSyncRun, listActiveAnchors, requireRun, startSyncRun } from './sync-service.ts';

/**
 * The agent API, `/agent/v1/…` (JSON only, agent key auth on every route):
 *
 * | method | path | body → answer |
 * |---|---|---|
 * | GET  | /whoami | → { agentId, name, organization, domains, deletionThreshold } |
 * | POST | /status | { error: {code,message} \| null, version? } → 204 |
 * | POST | /sync/runs | { mode } → { runId, leaseExpiresAt } · 409 SYNC_LEASE_HELD |
 * | GET  | /sync/runs/:runId/anchors?after= | → { anchors, next } |
 * | POST | /sync/runs/:runId/batches | { entries, rejected } → { created, updated, unchanged, failed } |
 * | POST | /sync/runs/:runId/complete | { deletions, checkpoint } → { disabled } · 409 SYNC_DELETION_GUARD |
 * | POST | /sync/runs/:runId/fail | { code, message } → 204 |
 * | POST | /pass-through/poll | { waitSeconds } → { requests } (long-poll) |
 * | POST | /pass-through/:id/answer | { result, code } → 204 |
 *
 * Errors are `{ error: { code, message, details? } }` with the LanyardError status.
 *
 * @example
 *   const agentRouter = createAgentRouter({ db, logger, masterKey });
 *   app.use(agentRouter.routes()).use(agentRouter.allowedMethods());
 */
export interface AgentRouterDeps {
  readonly db: Db;
  readonly logger: Logger;
  readonly masterKey: Buffer;
  /** Mount point (default '/agent/v1'). */
  readonly prefix?: string;
  /** Largest accepted JSON body in bytes (default 8 MiB: a complete call may list many deletions). */
  readonly maxBodyBytes?: number;
  /** How often a held pass-through poll looks for new requests (default 100 ms). */
  readonly pollIntervalMs?: number;
}

export function createAgentRouter(deps: AgentRouterDeps): Router {
  const router = createRouter({ prefix: deps.prefix ?? '/agent/v1' });
  const maxBody = deps.maxBodyBytes ?? 8 * 1024 * 1024;
  const logger = deps.logger.child({ component: 'agent-api' });
  router.use(jsonErrors(logger));
  router.use(agentAuthentication(deps.db));

  router.get('/whoami', async (ctx) => {
    const agent = currentAgent(ctx);
    const organization = await findOrganizationById(deps.db, agent.organizationId);
    const state = await findSyncState(deps.db, agent.organizationId);
    ctx.body = {
      agentId: agent.id,
      name: agent.name,
      organization: { id: organization!.id, slug: organization!.slug, name: organization!.name },
      domains: (await listDomains(deps.db, agent.organizationId)).map((domain) => domain.name),
      deletionThreshold: state?.deletionThreshold ?? 500,
    };
  });

  router.post('/status', async (ctx) => {
    const agent = currentAgent(ctx);
    const report = await readJsonBody(ctx, maxBody, agentErrorReportSchema, 'AGENT_PUSH_INVALID');
    await setAgentError(deps.db, agent.id, report.error);
    if (report.version) await touchAgent(deps.db, agent.id, { version: report.version });
    if (report.error) logger.warn('agent reported a problem', { agentId: agent.id, code: report.error.code, message: report.error.message });
    ctx.status = 204;
  });

  router.post('/sync/runs', async (ctx) => {
    const agent = currentAgent(ctx);
    const request = await readJsonBody(ctx, maxBody, startRunRequestSchema, 'AGENT_PUSH_INVALID');
    if (request.version) await touchAgent(deps.db, agent.id, { version: request.version });
    ctx.status = 201;
    ctx.body = await startSyncRun(deps.db, agent, request.mode);
  });

  router.get('/sync/runs/:runId/anchors', async (ctx) => {
    const agent = currentAgent(ctx);
    await requireRun(deps.db, agent, ctx.params.runId!);
    const after = typeof ctx.query.after === 'string' ? ctx.query.after : '';
    if (after !== '' && !anchorSchema.safeParse(after).success) throw new LanyardError('AGENT_PUSH_INVALID', 'after must be an anchor');
    ctx.body = await listActiveAnchors(deps.db, agent.organizationId, after);
  });

  router.post('/sync/runs/:runId/batches', async (ctx) => {
    const batch = await readJsonBody(ctx, maxBody, batchRequestSchema, 'AGENT_PUSH_INVALID');
    ctx.body = await applyBatch(deps.db, currentAgent(ctx), ctx.params.runId!, batch.entries, batch.rejected);
  });

  router.post('/sync/runs/:runId/complete', async (ctx) => {
    const request = await readJsonBody(ctx, maxBody, completeRunRequestSchema, 'AGENT_PUSH_INVALID');
    ctx.body = await completeSyncRun(deps.db, currentAgent(ctx), ctx.params.runId!, request.deletions);
  });

  router.post('/sync/runs/:runId/fail', async (ctx) => {
    const request = await readJsonBody(ctx, maxBody, failRunRequestSchema, 'AGENT_PUSH_INVALID');
    await failSyncRun(deps.db, currentAgent(ctx), ctx.params.runId!, request);
    ctx.status = 204;
  });

  router.post('/pass-through/poll', async (ctx) => {
    const request = await readJsonBody(ctx, maxBody, pollRequestSchema, 'AGENT_PUSH_INVALID');
    const requests = await holdPassThroughPoll(ctx, { ...deps, logger, pollIntervalMs: deps.pollIntervalMs ?? 100 }, currentAgent(ctx), request.waitSeconds);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { requests };
  });

  router.post('/pass-through/:id/answer', async (ctx) => {
    const answer = await readJsonBody(ctx, maxBody, passThroughAnswerSchema, 'AGENT_PUSH_INVALID');
    const stored = await answerPassThroughRequest(deps.db, ctx.params.id!, currentAgent(ctx).id, { result: answer.result, resultCode: answer.code });
    if (!stored) throw new LanyardError('PASS_THROUGH_UNKNOWN', 'no open pass-through request with this id for this agent (expired?)');
    ctx.status = 204;
  });

  return router;
}

/** Agent API errors are always JSON; server faults are logged and answered without detail. */
function jsonErrors(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (caught) {
      const error = caught instanceof LanyardError ? caught : undefined;
      if (!error || error.status >= 500) logger.error('agent API request failed', { error: caught, path: ctx.path });
      ctx.status = error?.status ?? 500;
      ctx.body = {
        error: {
          code: error?.code ?? 'INTERNAL_ERROR',
          message: error?.expose ? error.message : 'internal error',
          ...(error?.expose && error.details ? { details: error.details } : {}),
        },
      };
    }
  };
}
