import { randomUUID } from 'node:crypto';
import type { Insertable, Updateable } from 'kysely';
import type { Db } from '../../core/db/database.ts';
import type { ChangeState, CspBillingLine, CspBillingLinesTable, CspSubscription, CspSubscriptionChange, CspSubscriptionChangesTable, CspSubscriptionsTable, PriceSource } from './tables.ts';

export type NewSubscription = Omit<Insertable<CspSubscriptionsTable>, 'id' | 'createdAt' | 'updatedAt' | 'status'> & { readonly id?: string };
export type NewChange = Omit<Insertable<CspSubscriptionChangesTable>, 'id' | 'subscriptionId' | 'createdAt' | 'updatedAt' | 'state' | 'requestId'> & {
  readonly id?: string;
  readonly requestId?: string;
};

/**
 * Writes a subscription in status `ordering` and its order change (with the order's MS-RequestIds)
 * in one transaction, before Partner Center is called. Undefined when the customer already has an
 * `ordering` or `active` subscription of this offer: the partial unique index decides, not a read,
 * so two orders at once make one row.
 */
export async function insertOrderingSubscription(db: Db, subscription: NewSubscription, change: NewChange, now: Date, cap?: CapGuard): Promise<{ subscription: CspSubscription; change: CspSubscriptionChange } | undefined> {
  const at = now.toISOString();
  const id = subscription.id ?? randomUUID();
  return db.transaction().execute(async (trx) => {
    await enforceCap(trx, subscription.customerId, cap);
    const inserted = await trx
      .insertInto('cspSubscriptions')
      .values({ ...subscription, id, status: 'ordering', createdAt: at, updatedAt: at })
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return undefined;
    const changeId = change.id ?? randomUUID();
    await trx
      .insertInto('cspSubscriptionChanges')
      .values({ ...change, id: changeId, subscriptionId: id, state: 'queued', requestId: change.requestId ?? randomUUID(), createdAt: at, updatedAt: at })
      .execute();
    return {
      subscription: await trx.selectFrom('cspSubscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
      change: await trx.selectFrom('cspSubscriptionChanges').selectAll().where('id', '=', changeId).executeTakeFirstOrThrow(),
    };
  });
}

/**
 * Locks an active subscription for a new change and records the change, in one transaction.
 * Undefined when the subscription is not active or another change holds it (compare-and-set on
 * `locked_by_change IS NULL`).
 */
export async function lockForChange(db: Db, subscriptionId: string, change: NewChange, now: Date, allowedStatuses: readonly CspSubscription['status'][] = ['active'], cap?: CapGuard & { readonly customerId: string }): Promise<CspSubscriptionChange | undefined> {
  const at = now.toISOString();
  const changeId = change.id ?? randomUUID();
  return db.transaction().execute(async (trx) => {
    if (cap) await enforceCap(trx, cap.customerId, { ...cap, exceptSubscriptionId: subscriptionId });
    const locked = await trx
      .updateTable('cspSubscriptions')
      .set({ lockedByChange: changeId, updatedAt: at })
      .where('id', '=', subscriptionId)
      .where('lockedByChange', 'is', null)
      .where('status', 'in', [...allowedStatuses])
      .executeTakeFirst();
    if (Number(locked.numUpdatedRows) !== 1) return undefined;
    await trx
      .insertInto('cspSubscriptionChanges')
      .values({ ...change, id: changeId, subscriptionId, state: 'queued', requestId: change.requestId ?? randomUUID(), createdAt: at, updatedAt: at })
      .execute();
    return trx.selectFrom('cspSubscriptionChanges').selectAll().where('id', '=', changeId).executeTakeFirstOrThrow();
  });
}

export async function setChangeJob(db: Db, changeId: string, jobId: string): Promise<void> {
  await db.updateTable('cspSubscriptionChanges').set({ jobId }).where('id', '=', changeId).where('jobId', 'is', null).execute();
}

/** Moves a change from one of `from` to `to` (compare-and-set); false when it was not in `from`. */
export async function moveChange(db: Db, id: string, from: readonly ChangeState[], to: ChangeState, now: Date, set: Updateable<CspSubscriptionChangesTable> = {}): Promise<boolean> {
  const final = to === 'succeeded' || to === 'failed';
  const result = await db
    .updateTable('cspSubscriptionChanges')
    .set({ ...set, state: to, updatedAt: now.toISOString(), ...(final ? { finishedAt: now.toISOString() } : {}) })
    .where('id', '=', id)
    .where('state', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records the cart of an order change once (the first writer wins; a retry reuses it). */
export async function setChangeCart(db: Db, id: string, cartId: string, now: Date): Promise<void> {
  await db.updateTable('cspSubscriptionChanges').set({ cartId, updatedAt: now.toISOString() }).where('id', '=', id).where('cartId', 'is', null).execute();
}

/**
 * Writes what Partner Center said about the subscription and releases the lock `changeId` holds
 * (compare-and-set on the lock, so only the change that holds it ends it). `fromStatus` guards the
 * status too (an order completes only an `ordering` row).
 */
export async function releaseSubscription(db: Db, id: string, changeId: string, set: Updateable<CspSubscriptionsTable>, now: Date, fromStatus?: CspSubscription['status']): Promise<boolean> {
  let query = db
    .updateTable('cspSubscriptions')
    .set({ ...set, lockedByChange: null, updatedAt: now.toISOString() })
    .where('id', '=', id)
    .where('lockedByChange', '=', changeId);
  if (fromStatus) query = query.where('status', '=', fromStatus);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Updates an unlocked subscription (the periodic legacy deletion), guarded by its status. */
export async function updateSubscriptionIf(db: Db, id: string, fromStatus: CspSubscription['status'], set: Updateable<CspSubscriptionsTable>, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('cspSubscriptions')
    .set({ ...set, updatedAt: now.toISOString() })
    .where('id', '=', id)
    .where('status', '=', fromStatus)
    .where('lockedByChange', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findSubscription(db: Db, id: string): Promise<CspSubscription | undefined> {
  return db.selectFrom('cspSubscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A subscription as people name it: Lanyard's id or Partner Center's. */
export async function findSubscriptionByRef(db: Db, ref: string): Promise<CspSubscription | undefined> {
  const value = ref.trim().toLowerCase();
  return db
    .selectFrom('cspSubscriptions')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', value), eb('partnerCenterId', '=', value)]))
    .executeTakeFirst();
}

/** The customer's `ordering` or `active` subscription of an offer (at most one, by the unique index). */
export async function findLiveSubscriptionOfOffer(db: Db, customerId: string, offerId: string): Promise<CspSubscription | undefined> {
  return db
    .selectFrom('cspSubscriptions')
    .selectAll()
    .where('customerId', '=', customerId)
    .where('offerId', '=', offerId)
    .where('status', 'in', ['ordering', 'active'])
    .executeTakeFirst();
}

export async function listSubscriptions(db: Db, customerId: string): Promise<CspSubscription[]> {
  return db.selectFrom('cspSubscriptions').selectAll().where('customerId', '=', customerId).orderBy('createdAt').orderBy('id').execute();
}

export async function findChange(db: Db, id: string): Promise<CspSubscriptionChange | undefined> {
  return db.selectFrom('cspSubscriptionChanges').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The changes of a subscription that have not ended, oldest first. */
export async function openChanges(db: Db, subscriptionId: string): Promise<CspSubscriptionChange[]> {
  return db
    .selectFrom('cspSubscriptionChanges')
    .selectAll()
    .where('subscriptionId', '=', subscriptionId)
    .where('state', 'in', ['queued', 'submitted', 'provisioning'])
    .orderBy('createdAt')
    .execute();
}

export async function listChanges(db: Db, subscriptionId: string): Promise<CspSubscriptionChange[]> {
  return db.selectFrom('cspSubscriptionChanges').selectAll().where('subscriptionId', '=', subscriptionId).orderBy('createdAt').orderBy('id').execute();
}

/**
 * Licences the customer holds in Lanyard's view, without `except` (for the partner's cap): the sum
 * over ALL its seat-based subscriptions that are `ordering` or `active` — ordered through Lanyard or
 * brought in by `csp customer import` — whatever their offer. A quantity change in flight counts
 * with the larger of the two quantities, so two increases at once cannot both slip under the cap.
 * Non-seat-based subscriptions hold no licences.
 */
export async function licencesOfCustomer(db: Db, customerId: string, exceptSubscriptionId?: string): Promise<number> {
  let query = db
    .selectFrom('cspSubscriptions')
    .leftJoin('cspSubscriptionChanges', 'cspSubscriptionChanges.id', 'cspSubscriptions.lockedByChange')
    .select(['cspSubscriptions.quantity', 'cspSubscriptionChanges.kind', 'cspSubscriptionChanges.input'])
    .where('cspSubscriptions.customerId', '=', customerId)
    .where('cspSubscriptions.status', 'in', ['ordering', 'active'])
    .where('cspSubscriptions.seatBased', '=', 1);
  if (exceptSubscriptionId) query = query.where('cspSubscriptions.id', '!=', exceptSubscriptionId);
  let total = 0;
  for (const row of await query.execute()) {
    const target = row.kind === 'quantity' && row.input ? Number((JSON.parse(row.input) as { quantity?: number }).quantity ?? 0) : 0;
    total += Math.max(row.quantity, target);
  }
  return total;
}

/**
 * The partner's licence cap, checked inside the transaction that writes an order or a quantity
 * change: the customer's row is locked first (a no-op UPDATE: a row lock on PostgreSQL, the write
 * lock on SQLite), so two orders or increases for one customer at once are checked one after the
 * other and cannot both pass. `refuse(held)` is thrown (and the transaction rolled back) when
 * `held + quantity` exceeds `cap`.
 */
export interface CapGuard {
  readonly cap: number;
  readonly quantity: number;
  readonly exceptSubscriptionId?: string;
  refuse(held: number): Error;
}

async function enforceCap(trx: Db, customerId: string, guard: CapGuard | undefined): Promise<void> {
  if (!guard || guard.cap < 0) return;
  await trx.updateTable('cspCustomers').set((eb) => ({ updatedAt: eb.ref('updatedAt') })).where('id', '=', customerId).execute();
  const held = await licencesOfCustomer(trx, customerId, guard.exceptSubscriptionId);
  if (held + guard.quantity > guard.cap) throw guard.refuse(held);
}

/** Suspended legacy subscriptions whose termination delay is over. */
export async function listLegacyDueForDeletion(db: Db, now: Date): Promise<CspSubscription[]> {
  return db
    .selectFrom('cspSubscriptions')
    .selectAll()
    .where('status', '=', 'suspended')
    .where('isNewCommerce', '=', 0)
    .where('deleteAfter', '<=', now.toISOString())
    .where('lockedByChange', 'is', null)
    .execute();
}

/** Adds a billing line; a second one for the same change is ignored (unique change id). */
export async function insertBillingLine(db: Db, line: Omit<CspBillingLine, 'id' | 'createdAt' | 'priceSource'> & { priceSource?: PriceSource }, now: Date): Promise<void> {
  await db
    .insertInto('cspBillingLines')
    .values({ ...line, id: randomUUID(), createdAt: now.toISOString() })
    .onConflict((conflict) => conflict.column('changeId').doNothing())
    .execute();
}

export async function listBillingLines(db: Db, partnerId: string, since?: Date): Promise<CspBillingLine[]> {
  let query = db.selectFrom('cspBillingLines').selectAll().where('partnerId', '=', partnerId);
  if (since) query = query.where('createdAt', '>=', since.toISOString());
  return query.orderBy('createdAt').orderBy('id').execute();
}

/**
 * Changes that have not ended although their job has (`failed`: its attempts ran out while every
 * holder died, JOB_ATTEMPTS_EXHAUSTED), with the job's last error: what the abandoned-change sweep ends.
 */
export async function listAbandonedChanges(db: Db, limit = 100): Promise<(CspSubscriptionChange & { jobErrorCode: string | null; jobErrorMessage: string | null })[]> {
  return db
    .selectFrom('cspSubscriptionChanges')
    .innerJoin('jobs', 'jobs.id', 'cspSubscriptionChanges.jobId')
    .selectAll('cspSubscriptionChanges')
    .select(['jobs.lastErrorCode as jobErrorCode', 'jobs.lastErrorMessage as jobErrorMessage'])
    .where('cspSubscriptionChanges.state', 'in', ['queued', 'submitted', 'provisioning'])
    .where('jobs.state', '=', 'failed')
    .orderBy('cspSubscriptionChanges.createdAt')
    .limit(limit)
    .execute();
}
