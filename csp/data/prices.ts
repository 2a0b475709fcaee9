import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { CspPrice } from './tables.ts';

export interface PriceKey {
  readonly partnerId: string;
  /** Lower-cased offer id. */
  readonly offerId: string;
  /** '' = any term. */
  readonly termDuration: string;
  /** '' = any billing cycle. */
  readonly billingCycle: string;
}

/** Sets one price (insert, or replace the amount of the same key); returns the row as stored. */
export async function upsertPrice(db: Db, key: PriceKey, price: { amountMinor: number; currency: string }, now: Date): Promise<CspPrice> {
  const at = now.toISOString();
  await db
    .insertInto('cspPrices')
    .values({ id: randomUUID(), ...key, ...price, createdAt: at, updatedAt: at })
    .onConflict((conflict) => conflict.columns(['partnerId', 'offerId', 'termDuration', 'billingCycle']).doUpdateSet({ amountMinor: price.amountMinor, currency: price.currency, updatedAt: at }))
    .execute();
  return (await findPrice(db, key))!;
}

export async function findPrice(db: Db, key: PriceKey): Promise<CspPrice | undefined> {
  return db.selectFrom('cspPrices').selectAll()
    .where('partnerId', '=', key.partnerId).where('offerId', '=', key.offerId).where('termDuration', '=', key.termDuration).where('billingCycle', '=', key.billingCycle)
    .executeTakeFirst();
}

/** Deletes one price; false when there was none with this key. */
export async function deletePrice(db: Db, key: PriceKey): Promise<boolean> {
  const result = await db.deleteFrom('cspPrices')
    .where('partnerId', '=', key.partnerId).where('offerId', '=', key.offerId).where('termDuration', '=', key.termDuration).where('billingCycle', '=', key.billingCycle)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The partner's prices, by offer then term and billing cycle; of one offer when `offerId` is given. */
export async function listPrices(db: Db, partnerId: string, offerId?: string): Promise<CspPrice[]> {
  let query = db.selectFrom('cspPrices').selectAll().where('partnerId', '=', partnerId);
  if (offerId !== undefined) query = query.where('offerId', '=', offerId);
  return query.orderBy('offerId').orderBy('termDuration').orderBy('billingCycle').execute();
}
