import type { Db } from '../../../core/db/database.ts';
import type { PassThroughRequest } from './tables.ts';

/**
 * Pass-through sign-in requests waiting for an agent's answer. A row lives only seconds: the
 * sealed password is cleared when an agent claims it, and the row is deleted when the asking node
 * reads the answer or gives up.
 *
 * @example
 *   await insertPassThroughRequest(db, row);
 *   const claimed = await claimPassThroughRequests(db, organizationId, agentId, 5);
 */
export async function insertPassThroughRequest(db: Db, request: PassThroughRequest): Promise<void> {
  await db.insertInto('passThroughRequests').values(request).execute();
}

/**
 * Claims up to `limit` open requests for one agent. Each claim is a conditional update, so when
 * two agents (on two nodes) race for a row exactly one wins; the winner gets the sealed password
 * and the row's copy is cleared in the same statement.
 */
export async function claimPassThroughRequests(
  db: Db,
  organizationId: string,
  agentId: string,
  limit: number,
  now: Date = new Date(),
): Promise<PassThroughRequest[]> {
  const nowText = now.toISOString();
  const open = await db
    .selectFrom('passThroughRequests')
    .selectAll()
    .where('organizationId', '=', organizationId)
    .where('claimedAt', 'is', null)
    .where('expiresAt', '>', nowText)
    .orderBy('createdAt')
    .limit(limit)
    .execute();
  const claimed: PassThroughRequest[] = [];
  for (const request of open) {
    const result = await db
      .updateTable('passThroughRequests')
      .set({ claimedAt: nowText, claimedByAgentId: agentId, sealedPassword: null })
      .where('id', '=', request.id)
      .where('claimedAt', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) claimed.push(request);
  }
  return claimed;
}

/** Stores an agent's answer; only the agent that claimed the request may answer it. */
export async function answerPassThroughRequest(
  db: Db,
  id: string,
  agentId: string,
  answer: { result: 'valid' | 'invalid' | 'error'; resultCode: string | null },
  now: Date = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('passThroughRequests')
    .set({ result: answer.result, resultCode: answer.resultCode, answeredAt: now.toISOString() })
    .where('id', '=', id)
    .where('claimedByAgentId', '=', agentId)
    .where('result', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findPassThroughRequest(db: Db, id: string): Promise<PassThroughRequest | undefined> {
  return db.selectFrom('passThroughRequests').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deletePassThroughRequest(db: Db, id: string): Promise<void> {
  await db.deleteFrom('passThroughRequests').where('id', '=', id).execute();
}

/** Removes requests nobody answered in time (a crashed node's leftovers). */
export async function deleteExpiredPassThroughRequests(db: Db, now: Date = new Date()): Promise<void> {
  await db.deleteFrom('passThroughRequests').where('expiresAt', '<=', now.toISOString()).execute();
}
