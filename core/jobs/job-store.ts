import { randomUUID } from 'node:crypto';
import type { Db, Dialect } from '../db/database.ts';
import type { Job, JobState } from './jobs-table.ts';

/**
 * The jobs table. Every change of a job's state is one conditional UPDATE on the state the caller
 * expects (compare-and-set), so on PostgreSQL with several nodes, as on SQLite, a job is held by at
 * most one runner and a runner that lost its lease cannot overwrite what the new holder does.
 *
 * @example
 *   await enqueueJob(db, { kind: 'provisioning.run', key: `provisioning-run:${run.id}`, payload: { runId: run.id } });
 *   const job = await claimNextJob(db, dialect, { kinds: ['provisioning.run'], owner, leaseMs: 60_000, now: new Date() });
 */
export interface NewJob {
  readonly kind: string;
  readonly payload?: unknown;
  /** Idempotency: enqueueing a key that exists returns the existing job and changes nothing. */
  readonly key?: string;
  readonly runAt?: Date;
  readonly maxAttempts?: number;
}

export const defaultMaxAttempts = 5;

export async function enqueueJob(db: Db, job: NewJob, now: Date = new Date()): Promise<Job> {
  const row: Job = {
    id: randomUUID(),
    kind: job.kind,
    key: job.key ?? null,
    payload: JSON.stringify(job.payload ?? {}),
    state: 'queued',
    runAt: (job.runAt ?? now).toISOString(),
    attempts: 0,
    maxAttempts: job.maxAttempts ?? defaultMaxAttempts,
    leaseOwner: null,
    leaseExpiresAt: null,
    lastErrorCode: null,
    lastErrorMessage: null,
    result: null,
    createdAt: now.toISOString(),
    startedAt: null,
    finishedAt: null,
  };
  if (!row.key) {
    await db.insertInto('jobs').values(row).execute();
    return row;
  }
  await db.insertInto('jobs').values(row).onConflict((conflict) => conflict.column('key').doNothing()).execute();
  return (await findJobByKey(db, row.key))!;
}

export async function findJob(db: Db, id: string): Promise<Job | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findJobByKey(db: Db, key: string): Promise<Job | undefined> {
  return db.selectFrom('jobs').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Jobs for operators, newest first; filtered by kind and state when given. */
export async function listJobs(db: Db, filter: { kind?: string; state?: JobState; limit?: number } = {}): Promise<Job[]> {
  let query = db.selectFrom('jobs').selectAll().orderBy('createdAt', 'desc').orderBy('id').limit(filter.limit ?? 100);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.state) query = query.where('state', '=', filter.state);
  return query.execute();
}

/**
 * Leases the job of one of `kinds` that has waited longest: a queued job that is due, or a running
 * one whose holder stopped renewing its lease (a crashed or drained node). The attempt is counted
 * here, so a job that crashes its node every time still runs out of attempts.
 * PostgreSQL skips rows another node is claiming at this moment (FOR UPDATE SKIP LOCKED) instead of
 * waiting for them; SQLite has one writer at a time, so the UPDATE alone is atomic.
 */
export async function claimNextJob(
  db: Db,
  dialect: Dialect,
  claim: { kinds: readonly string[]; owner: string; leaseMs: number; now: Date },
): Promise<Job | undefined> {
  if (claim.kinds.length === 0) return undefined;
  const now = claim.now.toISOString();
  const due = db
    .selectFrom('jobs')
    .select('id')
    .where('kind', 'in', claim.kinds)
    .where((eb) => eb.or([
      eb.and([eb('state', '=', 'queued'), eb('runAt', '<=', now)]),
      eb.and([eb('state', '=', 'running'), eb('leaseExpiresAt', '<', now)]),
    ]))
    .orderBy('runAt')
    .limit(1);
  return db
    .updateTable('jobs')
    .set((eb) => ({
      state: 'running',
      leaseOwner: claim.owner,
      leaseExpiresAt: new Date(claim.now.getTime() + claim.leaseMs).toISOString(),
      attempts: eb('attempts', '+', 1),
      startedAt: now,
    }))
    .where('id', '=', dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
    // Checked again on the row itself: the claim is a compare-and-set, whatever the subquery saw.
    .where((eb) => eb.or([
      eb.and([eb('state', '=', 'queued'), eb('runAt', '<=', now)]),
      eb.and([eb('state', '=', 'running'), eb('leaseExpiresAt', '<', now)]),
    ]))
    .returningAll()
    .executeTakeFirst();
}

/** Extends the lease of a job `owner` still holds; false when the lease was lost (stop working). */
export async function renewJobLease(db: Db, id: string, owner: string, expiresAt: Date): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ leaseExpiresAt: expiresAt.toISOString() })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('leaseOwner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Ends the attempt `owner` holds. `next` says what follows: `succeeded` / `failed` (final),
 * `queued` at `runAt` (a retry, or a periodic job's next run). False when the lease was lost, in
 * which case nothing is written.
 */
export async function finishJobAttempt(
  db: Db,
  id: string,
  owner: string,
  next: { state: 'succeeded' | 'failed' | 'queued'; runAt?: Date; result?: unknown; error?: { code: string; message: string }; resetAttempts?: boolean; now: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      ...(next.resetAttempts && { attempts: 0 }),
      state: next.state,
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: next.now.toISOString(),
      ...(next.runAt && { runAt: next.runAt.toISOString() }),
      ...(next.result !== undefined && { result: JSON.stringify(next.result) }),
      lastErrorCode: next.error?.code ?? null,
      lastErrorMessage: next.error?.message ?? null,
    })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('leaseOwner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Gives a held job back at once (a draining node that reached a safe point): queued again, due now,
 * with the attempt not counted.
 */
export async function releaseJob(db: Db, id: string, owner: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set((eb) => ({ state: 'queued', leaseOwner: null, leaseExpiresAt: null, runAt: now.toISOString(), attempts: eb('attempts', '-', 1) }))
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('leaseOwner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Cancels a job that is not running; false when it is running or already ended. */
export async function cancelJob(db: Db, id: string, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ state: 'cancelled', finishedAt: now.toISOString() })
    .where('id', '=', id)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Makes a periodic job's row exist (queued, due now) without touching one that exists: every node
 * calls this at start, and the key keeps it to one row.
 */
export async function ensurePeriodicJob(db: Db, kind: string, now: Date = new Date()): Promise<Job> {
  return enqueueJob(db, { kind, key: `periodic:${kind}` }, now);
}

/** The newest job whose key starts with `prefix` (a module's jobs about one thing, e.g. one partner's syncs); `prefix` holds no LIKE wildcard (% or _). */
export async function findNewestJobByKeyPrefix(db: Db, prefix: string): Promise<Job | undefined> {
  return db.selectFrom('jobs').selectAll().where('key', 'like', `${prefix}%`).orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}
