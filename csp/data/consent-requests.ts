import type { Db } from '../../core/db/database.ts';
import type { CspConsentRequest } from './tables.ts';

export async function insertConsentRequest(db: Db, values: Omit<CspConsentRequest, 'consumedAt'>): Promise<void> {
  await db.insertInto('cspConsentRequests').values({ ...values, consumedAt: null }).execute();
}

/**
 * Takes a consent request for its callback: single use and only before it expires, by one
 * compare-and-set UPDATE (two callbacks with the same state cannot both win). Returns the request
 * when this call consumed it, undefined when it is unknown, used or expired.
 */
export async function consumeConsentRequest(db: Db, stateHash: string, now: Date = new Date()): Promise<CspConsentRequest | undefined> {
  const at = now.toISOString();
  const result = await db
    .updateTable('cspConsentRequests')
    .set({ consumedAt: at })
    .where('stateHash', '=', stateHash)
    .where('consumedAt', 'is', null)
    .where('expiresAt', '>', at)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return db.selectFrom('cspConsentRequests').selectAll().where('stateHash', '=', stateHash).executeTakeFirst();
}
