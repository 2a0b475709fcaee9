import type { Updateable } from 'kysely';
import type { Db } from '../../core/db/database.ts';
import type { ProvisioningOutcome, ProvisioningRun, ProvisioningRunsTable } from './tables.ts';

/**
 * Provisioning runs and their leases. A run is worked on only by the process holding its lease;
 * every lease change is one conditional UPDATE, so it behaves the same on SQLite and on PostgreSQL
 * with several nodes, and a crashed holder's run is taken over once its lease expires.
 *
 * @example
 *   if (await claimRunLease(db, run.id, owner, expiresAt)) await work(run);
 */
export async function insertRun(db: Db, run: ProvisioningRun): Promise<void> {
  await db.insertInto('provisioningRuns').values(run).execute();
}

export async function findRun(db: Db, id: string): Promise<ProvisioningRun | undefined> {
  return db.selectFrom('provisioningRuns').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first. */
export async function listRuns(db: Db, organizationId: string, limit = 50): Promise<ProvisioningRun[]> {
  return db.selectFrom('provisioningRuns').selectAll().where('organizationId', '=', organizationId).orderBy('createdAt', 'desc').orderBy('id').limit(limit).execute();
}

/**
 * Takes the lease of a running run that nobody holds (or whose holder stopped renewing). With
 * `owner` null the run is only reserved until `expiresAt` for the job that will claim it (not an attempt).
 */
export async function claimRunLease(db: Db, id: string, owner: string | null, expiresAt: Date, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('provisioningRuns')
    .set((eb) => ({ leaseOwner: owner, leaseExpiresAt: expiresAt.toISOString(), attempts: owner ? eb('attempts', '+', 1) : eb.ref('attempts') }))
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where((eb) => eb.or([eb('leaseOwner', 'is', null), eb('leaseExpiresAt', '<', now.toISOString())]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends a lease still held by `owner`; false when it was lost (the run must stop). */
export async function renewRunLease(db: Db, id: string, owner: string, expiresAt: Date): Promise<boolean> {
  const result = await db
    .updateTable('provisioningRuns')
    .set({ leaseExpiresAt: expiresAt.toISOString() })
    .where('id', '=', id)
    .where('leaseOwner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Writes fields of a run held by `owner`. False when the lease was lost. */
export async function updateHeldRun(db: Db, id: string, owner: string, changes: Updateable<ProvisioningRunsTable>): Promise<boolean> {
  const result = await db.updateTable('provisioningRuns').set(changes).where('id', '=', id).where('leaseOwner', '=', owner).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Adds to the run's count of 429 answers (kept apart from the lease so it never blocks). */
export async function addThrottledCount(db: Db, id: string, count: number): Promise<void> {
  if (count === 0) return;
  await db.updateTable('provisioningRuns').set((eb) => ({ throttledCount: eb('throttledCount', '+', count) })).where('id', '=', id).execute();
}

/**
 * Running runs whose holder is gone (their lease, or the reservation of a run waiting for its job,
 * has expired): candidates for resumption by any node.
 */
export async function listOrphanedRuns(db: Db, now: Date = new Date(), limit = 10): Promise<ProvisioningRun[]> {
  return db
    .selectFrom('provisioningRuns')
    .selectAll()
    .where('status', '=', 'running')
    .where((eb) => eb.or([eb('leaseExpiresAt', 'is', null), eb('leaseExpiresAt', '<', now.toISOString())]))
    .orderBy('createdAt')
    .limit(limit)
    .execute();
}

export function parseCounts(run: Pick<ProvisioningRun, 'counts'>): Partial<Record<ProvisioningOutcome, number>> {
  return JSON.parse(run.counts) as Partial<Record<ProvisioningOutcome, number>>;
}
