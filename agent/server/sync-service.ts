import { randomUUID } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { acquireSyncLease, findSyncState, renewSyncLease, updateSyncRun } from './data/directory-sync-states.ts';
import type { DirectoryAgent, DirectorySyncState } from './data/tables.ts';
import type { EntryFailure } from '../protocol.ts';

/**
 * Server side of a sync run, apart from applying entries (apply-batch.ts): the lease that keeps
 * two agents from syncing one organization at once, the active-anchor listing the agent diffs
 * against, and completion with the accidental-deletion guard.
 */
export const leaseSeconds = 120;
const maxStoredErrors = 100;

export interface RunCounts {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  disabled: number;
}

const emptyCounts = (): RunCounts => ({ created: 0, updated: 0, unchanged: 0, failed: 0, disabled: 0 });

/**
 * Starts a run for the agent's organization, or refuses with SYNC_LEASE_HELD (409) while another
 * agent holds the lease.
 *
 * @example
 *   const { runId } = await startSyncRun(db, agent, 'delta');
 */
export async function startSyncRun(db: Db, agent: DirectoryAgent, mode: 'full' | 'delta', now: Date = new Date()): Promise<{ runId: string; leaseExpiresAt: string }> {
  const runId = randomUUID();
  const expires = new Date(now.getTime() + leaseSeconds * 1000);
  if (!(await acquireSyncLease(db, agent.organizationId, agent.id, runId, mode, expires, now))) {
    throw new LanyardError('SYNC_LEASE_HELD', 'another agent of this organization is syncing now');
  }
  return { runId, leaseExpiresAt: expires.toISOString() };
}

/** Checks that `runId` is this agent's current run and extends its lease. */
export async function requireRun(db: Db, agent: DirectoryAgent, runId: string, now: Date = new Date()): Promise<DirectorySyncState> {
  const state = await findSyncState(db, agent.organizationId);
  if (!state || state.leaseRunId !== runId || state.leaseAgentId !== agent.id) {
    throw new LanyardError('SYNC_RUN_UNKNOWN', 'this sync run is not the current run of this agent');
  }
  if (!(await renewSyncLease(db, agent.organizationId, runId, new Date(now.getTime() + leaseSeconds * 1000), now))) {
    throw new LanyardError('SYNC_LEASE_LOST', 'the sync lease expired; start a new run');
  }
  return state;
}

/** One page of the anchors of the organization's active directory users, in anchor order. */
export async function listActiveAnchors(db: Db, organizationId: string, after: string, limit = 5000): Promise<{ anchors: string[]; next: string | null }> {
  const rows = await db
    .selectFrom('users')
    .select('externalId')
    .where('organizationId', '=', organizationId)
    .where('source', '=', 'directory')
    .where('status', '=', 'active')
    .where('externalId', 'is not', null)
    .where('externalId', '>', after)
    .orderBy('externalId')
    .limit(limit)
    .execute();
  const anchors = rows.map((row) => row.externalId!);
  return { anchors, next: anchors.length === limit ? anchors[anchors.length - 1]! : null };
}

/** Adds a batch's results to the run's counts and error list (inside the batch's transaction). */
export async function recordBatchResult(
  db: Db,
  state: DirectorySyncState,
  runId: string,
  result: { created: number; updated: number; unchanged: number; failed: readonly EntryFailure[] },
): Promise<void> {
  const counts: RunCounts = state.runCounts ? JSON.parse(state.runCounts) : emptyCounts();
  counts.created += result.created;
  counts.updated += result.updated;
  counts.unchanged += result.unchanged;
  counts.failed += result.failed.length;
  const errors: EntryFailure[] = state.runErrors ? JSON.parse(state.runErrors) : [];
  errors.push(...result.failed.slice(0, Math.max(0, maxStoredErrors - errors.length)));
  await updateSyncRun(db, state.organizationId, runId, { runCounts: JSON.stringify(counts), runErrors: JSON.stringify(errors) });
}

/**
 * Ends a run: disables the active directory users whose anchors left the scope, all in one
 * transaction, unless there are more than the guard allows. Then the run is recorded as
 * 'guarded', nothing is disabled, and SYNC_DELETION_GUARD (409) is thrown until an admin confirms
 * (confirmPendingDeletions). Users are only ever disabled, never deleted: a mistaken scope change
 * is undone by the next sync.
 *
 * @example
 *   const { disabled } = await completeSyncRun(db, agent, runId, ['2c1f…']);
 */
export async function completeSyncRun(db: Db, agent: DirectoryAgent, runId: string, deletions: readonly string[], now: Date = new Date()): Promise<{ disabled: number }> {
  const state = await requireRun(db, agent, runId, now);
  const doomed: string[] = [];
  const unique = [...new Set(deletions)];
  for (let start = 0; start < unique.length; start += 500) {
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where('organizationId', '=', agent.organizationId)
      .where('source', '=', 'directory')
      .where('status', '=', 'active')
      .where('externalId', 'in', unique.slice(start, start + 500))
      .execute();
    doomed.push(...rows.map((row) => row.id));
  }
  const counts: RunCounts = { ...emptyCounts(), ...(state.runCounts ? JSON.parse(state.runCounts) : {}) };
  const allowed = doomed.length <= state.deletionThreshold || (state.confirmedDeletionCount !== null && doomed.length <= state.confirmedDeletionCount);
  if (!allowed) {
    await finishRun(db, state, runId, 'guarded', counts, now, { pendingDeletionCount: doomed.length });
    await recordAuditEvent(db, { actor: `agent:${agent.id}`, action: 'agent.sync', outcome: 'failure', reason: 'SYNC_DELETION_GUARD', details: { pending: doomed.length, threshold: state.deletionThreshold } }, now);
    throw new LanyardError(
      'SYNC_DELETION_GUARD',
      `this sync would disable ${doomed.length} accounts, more than the deletion threshold of ${state.deletionThreshold}; an admin must confirm (lanyard agent confirm-deletions)`,
      { pending: doomed.length, threshold: state.deletionThreshold },
);
  }
  counts.disabled = doomed.length;
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < doomed.length; start += 500) {
      await trx.updateTable('users').set({ status: 'disabled', updatedAt: now.toISOString() }).where('id', 'in', doomed.slice(start, start + 500)).execute();
    }
    await finishRun(trx, state, runId, 'success', counts, now, { pendingDeletionCount: null, confirmedDeletionCount: null });
  });
  await recordAuditEvent(db, { actor: `agent:${agent.id}`, action: 'agent.sync', outcome: 'success', details: { mode: state.runMode, ...counts } }, now);
  return { disabled: doomed.length };
}

/** Ends a run the agent could not finish; what its batches applied stays applied. */
export async function failSyncRun(db: Db, agent: DirectoryAgent, runId: string, error: { code: string; message: string }, now: Date = new Date()): Promise<void> {
  const state = await findSyncState(db, agent.organizationId);
  if (!state || state.leaseRunId !== runId || state.leaseAgentId !== agent.id) throw new LanyardError('SYNC_RUN_UNKNOWN', 'this sync run is not the current run of this agent');
  const counts: RunCounts = { ...emptyCounts(), ...(state.runCounts ? JSON.parse(state.runCounts) : {}) };
  const errors = [{ code: error.code, message: error.message }, ...(state.runErrors ? JSON.parse(state.runErrors) : [])].slice(0, maxStoredErrors);
  await finishRun(db, { ...state, runErrors: JSON.stringify(errors) }, runId, 'failure', counts, now, {});
  await recordAuditEvent(db, { actor: `agent:${agent.id}`, action: 'agent.sync', outcome: 'failure', reason: error.code, details: { message: error.message } }, now);
}

async function finishRun(
  db: Db,
  state: DirectorySyncState,
  runId: string,
  outcome: 'success' | 'failure' | 'guarded',
  counts: RunCounts,
  now: Date,
  guard: { pendingDeletionCount?: number | null; confirmedDeletionCount?: number | null },
): Promise<void> {
  await updateSyncRun(db, state.organizationId, runId, {
    lastSyncAgentId: state.leaseAgentId,
    lastSyncMode: state.runMode,
    lastSyncStartedAt: state.runStartedAt,
    lastSyncFinishedAt: now.toISOString(),
    lastSyncOutcome: outcome,
    lastSyncCounts: JSON.stringify(counts),
    lastSyncErrors: state.runErrors ?? '[]',
    syncCount: state.syncCount + 1,
    leaseAgentId: null,
    leaseRunId: null,
    leaseExpiresAt: null,
    runCounts: null,
    runErrors: null,
    ...guard,
  });
}
