import type { Db } from '../../../core/db/database.ts';
import type { DirectorySyncState, DirectorySyncStatesTable, SyncMode } from './tables.ts';
import type { Updateable } from 'kysely';

/**
 * One row per organization: who may sync it now (the lease), the run in progress, the last
 * finished run, and the accidental-deletion guard.
 *
 * @example
 *   const granted = await acquireSyncLease(db, organizationId, agentId, runId, 'delta', expiresAt);
 */
export async function ensureSyncState(db: Db, organizationId: string): Promise<void> {
  await db
    .insertInto('directorySyncStates')
    .values({ organizationId, syncCount: 0, deletionThreshold: 500 })
    .onConflict((conflict) => conflict.column('organizationId').doNothing())
    .execute();
}

export async function findSyncState(db: Db, organizationId: string): Promise<DirectorySyncState | undefined> {
  return db.selectFrom('directorySyncStates').selectAll().where('organizationId', '=', organizationId).executeTakeFirst();
}

/**
 * Takes the organization's sync lease for a new run when it is free, expired, or already held by
 * the same agent. A single conditional UPDATE, so on PostgreSQL two nodes racing for it cannot
 * both win. True when granted.
 */
export async function acquireSyncLease(
  db: Db,
  organizationId: string,
  agentId: string,
  runId: string,
  mode: SyncMode,
  leaseExpiresAt: Date,
  now: Date = new Date(),
): Promise<boolean> {
  await ensureSyncState(db, organizationId);
  const nowText = now.toISOString();
  const result = await db
    .updateTable('directorySyncStates')
    .set({
      leaseAgentId: agentId,
      leaseRunId: runId,
      leaseExpiresAt: leaseExpiresAt.toISOString(),
      runMode: mode,
      runStartedAt: nowText,
      runCounts: null,
      runErrors: null,
    })
    .where('organizationId', '=', organizationId)
    .where((eb) => eb.or([eb('leaseAgentId', 'is', null), eb('leaseExpiresAt', '<', nowText), eb('leaseAgentId', '=', agentId)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends the lease of a run still held; false when the run lost its lease. */
export async function renewSyncLease(db: Db, organizationId: string, runId: string, leaseExpiresAt: Date, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('directorySyncStates')
    .set({ leaseExpiresAt: leaseExpiresAt.toISOString() })
    .where('organizationId', '=', organizationId)
    .where('leaseRunId', '=', runId)
    .where('leaseExpiresAt', '>=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Writes fields of the run `runId` (only while it holds the lease). */
export async function updateSyncRun(db: Db, organizationId: string, runId: string, changes: Updateable<DirectorySyncStatesTable>): Promise<void> {
  await db.updateTable('directorySyncStates').set(changes).where('organizationId', '=', organizationId).where('leaseRunId', '=', runId).execute();
}

/** Sets the deletion guard threshold of an organization. */
export async function setDeletionThreshold(db: Db, organizationId: string, threshold: number): Promise<void> {
  await ensureSyncState(db, organizationId);
  await db.updateTable('directorySyncStates').set({ deletionThreshold: threshold }).where('organizationId', '=', organizationId).execute();
}
