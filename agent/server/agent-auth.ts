import type { Context, Next } from 'koa';
import { bearerKeyOf } from '../../core/bearer-keys.ts';
import { LanyardError } from '../../core/errors.ts';
import { findAgentById, touchAgent } from './data/agents.ts';
import type { Db } from '../../core/db/database.ts';
import type { DirectoryAgent } from './data/tables.ts';
import { agentIdOfKey, keyMatches } from './agent-keys.ts';

/**
 * `Authorization: Bearer <agent key>` for every agent API call. The hash of the presented key is
 * compared with the stored hash in constant time. A revoked agent gets AGENT_KEY_REVOKED, but
 * only after its key matched, so the status of an agent is not revealed to someone without it.
 *
 * @example
 *   router.use(agentAuthentication(db));   // then ctx.state.agent is the calling agent
 */
export function agentAuthentication(db: Db) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const key = bearerKeyOf(ctx.get('authorization'));
    if (!key) throw new LanyardError('AGENT_KEY_MISSING', 'send the agent key as Authorization: Bearer <key>');
    const agentId = agentIdOfKey(key);
    const agent = agentId ? await findAgentById(db, agentId) : undefined;
    if (!agent || !keyMatches(key, agent.keyHash)) throw new LanyardError('AGENT_KEY_INVALID', 'the agent key is not valid');
    if (agent.revokedAt) throw new LanyardError('AGENT_KEY_REVOKED', 'this agent key was revoked; register the agent again');
    await touchAgent(db, agent.id, {});
    ctx.state.agent = agent;
    await next();
  };
}

/** The authenticated agent; fails closed (401) if a handler were ever reached without the guard. */
export function currentAgent(ctx: Context): DirectoryAgent {
  const agent = ctx.state.agent as DirectoryAgent | undefined;
  if (!agent) throw new LanyardError('AGENT_KEY_MISSING', 'send the agent key as Authorization: Bearer <key>');
  return agent;
}
