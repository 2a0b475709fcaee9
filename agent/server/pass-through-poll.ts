import type { Context } from 'koa';
import type { Logger } from '../../core/logger.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import { findAgentById, touchAgent } from './data/agents.ts';
import type { Db } from '../../core/db/database.ts';
import { claimPassThroughRequests, deleteExpiredPassThroughRequests } from './data/pass-through-requests.ts';
import type { DirectoryAgent } from './data/tables.ts';
import type { PassThroughTask } from '../protocol.ts';
import { passThroughContext } from './pass-through.ts';

/**
 * The agent's long-poll for pass-through work (see pass-through.ts for the design). While the
 * poll is held the agent counts as connected (`connected_until`); requests are claimed only while
 * the agent's connection is open, so a password is never handed to a poll nobody reads.
 *
 * @example
 *   const tasks = await holdPassThroughPoll(ctx, deps, agent, 25); // [] after 25 s without work
 */
export interface PollDeps {
  readonly db: Db;
  readonly masterKey: Buffer;
  readonly logger: Logger;
  readonly pollIntervalMs: number;
}

/** Grace after a poll ends during which the agent still counts as connected (it re-polls at once). */
const reconnectGraceMs = 5000;

export async function holdPassThroughPoll(ctx: Context, deps: PollDeps, agent: DirectoryAgent, waitSeconds: number): Promise<PassThroughTask[]> {
  const box = createSecretBox(deps.masterKey);
  const deadline = Date.now() + waitSeconds * 1000;
  let closed = false;
  ctx.res.once('close', () => { closed = true; });
  await touchAgent(deps.db, agent.id, { connectedUntil: new Date(deadline + reconnectGraceMs).toISOString() });
  await deleteExpiredPassThroughRequests(deps.db);

  for (;;) {
    if (closed) return [];
    const fresh = await findAgentById(deps.db, agent.id);
    if (!fresh || fresh.revokedAt) return [];
    const claimed = await claimPassThroughRequests(deps.db, agent.organizationId, agent.id, 10);
    if (claimed.length > 0) {
      const tasks: PassThroughTask[] = [];
      for (const request of claimed) {
        if (!request.sealedPassword) continue;
        const password = box.open(request.sealedPassword, passThroughContext(request.id)).toString('utf8');
        tasks.push({ id: request.id, anchor: request.externalId, upn: request.upn, password });
      }
      deps.logger.debug('pass-through requests handed to agent', { agentId: agent.id, count: tasks.length });
      return tasks;
    }
    if (Date.now() + deps.pollIntervalMs >= deadline) return [];
    await new Promise((resolve) => setTimeout(resolve, deps.pollIntervalMs));
  }
}
