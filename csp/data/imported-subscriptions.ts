import { randomUUID } from 'node:crypto';
import type { Updateable } from 'kysely';
import { isUniqueViolation, type Db } from '../../core/db/database.ts';
import type { NewSubscription } from './subscriptions.ts';
import type { CspSubscription, CspSubscriptionsTable } from './tables.ts';

/** What Partner Center says of a subscription, in Lanyard's columns: what an import writes. */
export type ImportedFields = Required<Pick<Updateable<CspSubscriptionsTable>,
  'quantity' | 'status' | 'termDuration' | 'billingCycle' | 'termStartDate' | 'commitmentEndDate' | 'cancellationAllowedUntil' | 'refundableQuantity' | 'refundableDetails' | 'autoRenew' | 'scheduledQuantity' | 'etag' | 'orderId'>>;

export type ImportWrite =
  | { readonly outcome: 'created' | 'updated'; readonly subscription: CspSubscription }
  /** A row already there is `ordering` or `active` for the same offer: the one-active-per-offer index refused. */
  | { readonly outcome: 'conflict'; readonly conflictsWith: CspSubscription | undefined }
  /** A change in flight holds the row: its job writes what Partner Center answers; the import leaves it. */
  | { readonly outcome: 'locked'; readonly subscription: CspSubscription };

export async function findSubscriptionByPartnerCenterId(db: Db, partnerCenterId: string): Promise<CspSubscription | undefined> {
  return db.selectFrom('cspSubscriptions').selectAll().where('partnerCenterId', '=', partnerCenterId).executeTakeFirst();
}

/** The `ordering` / `active` row of the offer that is not `partnerCenterId` (what the partial unique index compares). */
async function liveOfOffer(db: Db, customerId: string, offerId: string, partnerCenterId: string): Promise<CspSubscription | undefined> {
  return db
    .selectFrom('cspSubscriptions')
    .selectAll()
    .where('customerId', '=', customerId)
    .where('offerId', '=', offerId)
    .where('status', 'in', ['ordering', 'active'])
    .where((eb) => eb.or([eb('partnerCenterId', 'is', null), eb('partnerCenterId', '!=', partnerCenterId)]))
    .executeTakeFirst();
}

/**
 * Records a subscription Partner Center has and Lanyard does not (matched by Partner Center's id).
 * The unique indexes decide, not a read: a second import at the same moment finds the first one's
 * row (by id) and updates it; a customer that already has another live subscription of the offer is
 * a `conflict`, reported, with nothing written.
 */
export async function insertImportedSubscription(db: Db, values: NewSubscription & { status: CspSubscription['status']; partnerCenterId: string }, now: Date): Promise<ImportWrite> {
  const at = now.toISOString();
  const id = randomUUID();
  const inserted = await db
    .insertInto('cspSubscriptions')
    .values({ ...values, id, createdAt: at, updatedAt: at })
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
    return { outcome: 'created', subscription: (await db.selectFrom('cspSubscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) };
  }
  const same = await findSubscriptionByPartnerCenterId(db, values.partnerCenterId);
  if (same) return { outcome: 'updated', subscription: same };
  return { outcome: 'conflict', conflictsWith: await liveOfOffer(db, values.customerId, values.offerId, values.partnerCenterId) };
}

/**
 * Writes what Partner Center says onto a row Lanyard has, only if no change holds it
 * (compare-and-set on `locked_by_change IS NULL`), so the import never races a change's job.
 * A status that would make two live rows of one offer is refused by the index: `conflict`.
 */
export async function updateImportedSubscription(db: Db, existing: CspSubscription, fields: Partial<ImportedFields>, now: Date): Promise<ImportWrite> {
  try {
    const result = await db
      .updateTable('cspSubscriptions')
      .set({ ...fields, updatedAt: now.toISOString() })
      .where('id', '=', existing.id)
      .where('lockedByChange', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return { outcome: 'locked', subscription: existing };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return { outcome: 'conflict', conflictsWith: await liveOfOffer(db, existing.customerId, existing.offerId, existing.partnerCenterId ?? '') };
  }
  return { outcome: 'updated', subscription: (await db.selectFrom('cspSubscriptions').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow()) };
}
