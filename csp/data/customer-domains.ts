import { randomUUID } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../core/db/schema.ts';
import type { Db } from '../../core/db/database.ts';
import type { CspCustomerDomain } from './tables.ts';

/**
 * Which customers' domains the "verify and set up" job works on, as a condition on
 * `csp_customer_domains` (so it stays one query, oldest first, across all customers).
 *
 * The module runs the job on `withActiveSubscription` (the issue's rule); tests of the job itself
 * may use `everyCustomer`.
 */
export type CustomerSelection = (eb: ExpressionBuilder<Database, 'cspCustomerDomains'>) => Expression<SqlBool>;

/** Every customer's domains. */
export const everyCustomer: CustomerSelection = () => sql<SqlBool>`1 = 1`;

/** The domains of customers holding at least one active subscription. */
export const withActiveSubscription: CustomerSelection = (eb) =>
  eb.exists(eb.selectFrom('cspSubscriptions').select('cspSubscriptions.id').whereRef('cspSubscriptions.customerId', '=', 'cspCustomerDomains.customerId').where('cspSubscriptions.status', '=', 'active'));

/**
 * Adds a domain of a customer as unverified. Undefined when the domain is already known (for any
 * customer: the unique index decides, no read first).
 */
export async function insertCustomerDomain(db: Db, values: { customerId: string; domain: string }, now: Date): Promise<CspCustomerDomain | undefined> {
  const at = now.toISOString();
  const id = randomUUID();
  const inserted = await db
    .insertInto('cspCustomerDomains')
    .values({ id, customerId: values.customerId, domain: values.domain.toLowerCase(), zone: null, lastErrorCode: null, lastError: null, nextAttemptAt: null, verifiedAt: null, createdAt: at, updatedAt: at })
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return undefined;
  return db.selectFrom('cspCustomerDomains').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCustomerDomain(db: Db, domain: string): Promise<CspCustomerDomain | undefined> {
  return db.selectFrom('cspCustomerDomains').selectAll().where('domain', '=', domain.trim().toLowerCase()).executeTakeFirst();
}

export async function listCustomerDomains(db: Db, customerId: string): Promise<CspCustomerDomain[]> {
  return db.selectFrom('cspCustomerDomains').selectAll().where('customerId', '=', customerId).orderBy('domain').execute();
}

/** Up to `limit` unverified domains whose next attempt has come, of the selected customers, oldest first. */
export async function listDomainsDue(db: Db, options: { now: Date; limit: number; selection?: CustomerSelection }): Promise<CspCustomerDomain[]> {
  const at = options.now.toISOString();
  const selection = options.selection ?? everyCustomer;
  return db
    .selectFrom('cspCustomerDomains')
    .selectAll()
    .where('state', '=', 'unverified')
    .where((eb) => eb.or([eb('nextAttemptAt', 'is', null), eb('nextAttemptAt', '<=', at)]))
    .where((eb) => selection(eb))
    .orderBy('createdAt')
    .orderBy('id')
    .limit(options.limit)
    .execute();
}

/** unverified (or failed, when retried by hand) → verified; false when another writer got there first. */
export async function markDomainVerified(db: Db, id: string, zone: string | null, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const result = await db
    .updateTable('cspCustomerDomains')
    .set({ state: 'verified', zone, verifiedAt: at, lastErrorCode: null, lastError: null, nextAttemptAt: null, updatedAt: at })
    .where('id', '=', id)
    .where('state', 'in', ['unverified', 'failed'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Base of the backoff between attempts, and its cap: 5 min, 10, 20 … at most a day. */
export const retryBaseSeconds = 300;
export const retryMaxSeconds = 86_400;

export function retryDelaySeconds(attempts: number): number {
  return Math.min(retryMaxSeconds, retryBaseSeconds * 2 ** Math.max(0, attempts - 1));
}

/**
 * Records a failed attempt on a row as read (compare-and-set on its `attempts` and state, so two
 * writers never count one attempt twice): the error, one more attempt, and the next attempt pushed
 * back by retryDelaySeconds. `final` (Microsoft refused the domain for good) moves it to `failed`,
 * which the job no longer picks up. False when the row changed since it was read.
 */
export async function recordDomainFailure(
  db: Db,
  row: Pick<CspCustomerDomain, 'id' | 'attempts' | 'state'>,
  failure: { code: string; message: string; zone: string | null; final?: boolean },
  now: Date,
): Promise<boolean> {
  const attempts = row.attempts + 1;
  const result = await db
    .updateTable('cspCustomerDomains')
    .set({
      state: failure.final ? 'failed' : 'unverified',
      zone: failure.zone,
      lastErrorCode: failure.code,
      lastError: failure.message,
      attempts,
      nextAttemptAt: failure.final ? null : new Date(now.getTime() + retryDelaySeconds(attempts) * 1000).toISOString(),
      updatedAt: now.toISOString(),
    })
    .where('id', '=', row.id)
    .where('attempts', '=', row.attempts)
    .where('state', '=', row.state)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
