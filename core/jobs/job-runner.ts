import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db, Dialect } from '../db/database.ts';
import { systemClock, type Clock } from '../clock.ts';
import { isLanyardError, LanyardError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { claimNextJob, ensurePeriodicJob, finishJobAttempt, renewJobLease } from './job-store.ts';
import type { Job } from './jobs-table.ts';

/** What a module registers for one kind of job. */
export interface JobDefinition {
  readonly kind: string;
  /** Periodic work: the runner keeps one row for the kind and runs it every `everySeconds`, on one node at a time. */
  readonly everySeconds?: number;
  /** How long a claim lasts without renewal (the runner renews it every third of that). Default 60 s. */
  readonly leaseSeconds?: number;
  /**
   * Whether a failed attempt is worth repeating. Default: a LanyardError is retried only when the
   * other side was the problem (5xx, 429); any other error (network, a crash) is retried.
   */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Seconds before the retry after attempt `attempt` failed. Default 10 s doubling to at most 1 h. */
  readonly retryDelaySeconds?: (attempt: number) => number;
  /**
   * Does the work. Must be idempotent (a node can die after the work and before the job is marked
   * done, and the next holder runs it again) and should return soon after `job.signal` aborts.
   */
  run(payload: unknown, job: RunningJob): Promise<unknown>;
}

export interface RunningJob {
  readonly id: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted when the lease is lost (another node took the job over) or the node stops. */
  readonly signal: AbortSignal;
}

export interface JobRunnerOptions {
  readonly db: Db;
  readonly dialect: Dialect;
  readonly logger: Logger;
  readonly definitions: readonly JobDefinition[];
  readonly clock?: Clock;
  /** Jobs worked at the same time by this node. Default 4. */
  readonly concurrency?: number;
  /** How often an idle runner looks for due jobs. Default 1 s; `wake()` looks at once. */
  readonly pollMs?: number;
  /** Names this node in leases (for operators reading the jobs table). */
  readonly owner?: string;
}

export interface JobRunner {
  /** Makes periodic jobs' rows exist and starts claiming due jobs in the background. */
  start(): Promise<void>;
  /** Claims and runs due jobs until none is due (tests drive the runner with this and a manual clock). */
  runDue(): Promise<number>;
  /** Looks for due jobs now instead of at the next poll (after enqueueing one in this process). */
  wake(): void;
  /**
   * Stops claiming and waits up to `drainMs` for the jobs in progress. Those still running then are
   * told to stop (their signal aborts) and left leased: their lease expires and another node, or
   * this one after a restart, takes them over.
   */
  stop(options?: { drainMs?: number }): Promise<void>;
}

const defaultLeaseSeconds = 60;

export function defaultIsRetryable(error: unknown): boolean {
  if (isLanyardError(error)) return error.status >= 500 || error.status === 429;
  return true;
}

export function defaultRetryDelaySeconds(attempt: number): number {
  return Math.min(3600, 10 * 2 ** Math.max(0, attempt - 1));
}

/**
 * The one background-job runner of Lanyard. Every node runs one; the jobs table decides who works on
 * what. Guarantees: a job is held by at most one node at a time (leases, compare-and-set); a job whose
 * holder died is taken over when its lease expires; a failure is retried with backoff up to the
 * job's attempts, then the job is `failed` with its last error; every job's state, attempts and last
 * error are visible in the table.
 *
 * @example
 *   const runner = createJobRunner({ db, dialect, logger, definitions: [housekeepingJob] });
 *   await runner.start();
 *   process.once('SIGTERM', () => runner.stop({ drainMs: 25_000 }));
 */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { db, dialect, logger } = options;
  const clock = options.clock ?? systemClock;
  const concurrency = options.concurrency ?? 4;
  const pollMs = options.pollMs ?? 1000;
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const byKind = new Map(options.definitions.map((definition) => [definition.kind, definition]));
  const kinds = [...byKind.keys()];
  const shortestLeaseMs = Math.min(...options.definitions.map((definition) => leaseSecondsOf(definition) * 1000));
  const inFlight = new Map<string, { done: Promise<void>; abort: AbortController; abandoned: boolean }>();
  let stopping = false;
  let idle = new AbortController();
  let loop: Promise<void> | undefined;

  async function claimOne(): Promise<boolean> {
    const now = clock.now();
    const job = await claimNextJob(db, dialect, { kinds, owner, leaseMs: shortestLeaseMs, now });
    if (!job) return false;
    const definition = byKind.get(job.kind)!;
    // The claim used the shortest lease of all kinds; give this job its own at once.
    await renewJobLease(db, job.id, owner, new Date(now.getTime() + leaseSecondsOf(definition) * 1000));
    const abort = new AbortController();
    const entry = { abort, abandoned: false, done: Promise.resolve() };
    entry.done = work(job, definition, entry).finally(() => inFlight.delete(job.id));
    inFlight.set(job.id, entry);
    return true;
  }

  async function work(job: Job, definition: JobDefinition, entry: { abort: AbortController; abandoned: boolean }): Promise<void> {
    const heartbeat = keepLease(job, definition, entry.abort);
    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
    try {
      // Claimed again after every attempt died with its node: stop here rather than crash another.
      outcome = job.attempts > job.maxAttempts
        ? { ok: false, error: new LanyardError('JOB_ATTEMPTS_EXHAUSTED', 'The job used up its attempts without finishing (its node stopped each time).') }
        : { ok: true, result: await definition.run(JSON.parse(job.payload), { id: job.id, attempt: job.attempts, signal: entry.abort.signal }) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      entry.abort.abort();
      await heartbeat;
    }
    // Left behind by a drained node, or taken over by another: the current holder records the result.
    if (entry.abandoned) return;
    const recorded = await finishJobAttempt(db, job.id, owner, next(job, definition, outcome, clock.now()));
    if (!recorded) logger.warn('job lease lost before it finished; its result was not recorded', { jobId: job.id, kind: job.kind });
    if (!outcome.ok) logger.warn('job attempt failed', { jobId: job.id, kind: job.kind, attempt: job.attempts, error: outcome.error });
  }

  async function keepLease(job: Job, definition: JobDefinition, abort: AbortController): Promise<void> {
    const leaseMs = leaseSecondsOf(definition) * 1000;
    while (!abort.signal.aborted) {
      await clock.sleep(leaseMs / 3, abort.signal);
      if (abort.signal.aborted) return;
      if (!(await renewJobLease(db, job.id, owner, new Date(clock.now().getTime() + leaseMs)))) {
        logger.warn('job lease lost; stopping the job', { jobId: job.id, kind: job.kind });
        abort.abort();
      }
    }
  }

  async function runLoop(): Promise<void> {
    while (!stopping) {
      try {
        while (!stopping && inFlight.size < concurrency && (await claimOne()));
      } catch (error) {
        logger.warn('claiming jobs failed', { error });
      }
      if (stopping) return;
      await clock.sleep(pollMs, idle.signal);
      if (idle.signal.aborted) idle = new AbortController();
      // A finished job frees a slot: look again at once rather than after a poll.
    }
  }

  return {
    async start() {
      const now = clock.now();
      for (const definition of options.definitions) if (definition.everySeconds) await ensurePeriodicJob(db, definition.kind, now);
      loop = runLoop();
    },
    async runDue() {
      let count = 0;
      while (await claimOne()) {
        count += 1;
        await Promise.all([...inFlight.values()].map((entry) => entry.done));
      }
      return count;
    },
    wake() {
      idle.abort();
    },
    async stop({ drainMs = 25_000 } = {}) {
      stopping = true;
      idle.abort();
      await loop;
      const running = [...inFlight.values()];
      if (running.length === 0) return;
      const limit = new AbortController();
      const drained = Promise.all(running.map((entry) => entry.done)).then(() => true);
      const timedOut = clock.sleep(drainMs, limit.signal).then(() => false);
      const finished = await Promise.race([drained, timedOut]);
      limit.abort();
      if (finished) return;
      for (const entry of inFlight.values()) {
        entry.abandoned = true;
        entry.abort.abort();
      }
      logger.warn('stopped with jobs still running; they stay leased until another node takes them over', { jobs: [...inFlight.keys()] });
    },
  };
}

function leaseSecondsOf(definition: JobDefinition): number {
  return definition.leaseSeconds ?? defaultLeaseSeconds;
}

/** The state that follows an attempt. */
function next(job: Job, definition: JobDefinition, outcome: { ok: true; result: unknown } | { ok: false; error: unknown }, now: Date) {
  const error = outcome.ok ? undefined : describe(outcome.error);
  if (definition.everySeconds) {
    // A periodic job runs again in any case; a failure is retried sooner when the backoff is shorter.
    const exhausted = job.attempts >= job.maxAttempts;
    const delaySeconds = outcome.ok || exhausted ? definition.everySeconds : Math.min(definition.everySeconds, (definition.retryDelaySeconds ?? defaultRetryDelaySeconds)(job.attempts));
    return { state: 'queued' as const, runAt: new Date(now.getTime() + delaySeconds * 1000), resetAttempts: outcome.ok || exhausted, ...(outcome.ok ? { result: outcome.result ?? null } : { error }), now };
  }
  if (outcome.ok) return { state: 'succeeded' as const, result: outcome.result ?? null, now };
  const retryable = !isLanyardError(outcome.error, 'JOB_ATTEMPTS_EXHAUSTED') && (definition.isRetryable ?? defaultIsRetryable)(outcome.error);
  if (retryable && job.attempts < job.maxAttempts) {
    return { state: 'queued' as const, runAt: new Date(now.getTime() + (definition.retryDelaySeconds ?? defaultRetryDelaySeconds)(job.attempts) * 1000), error, now };
  }
  return { state: 'failed' as const, error, now };
}

function describe(error: unknown): { code: string; message: string } {
  if (isLanyardError(error)) return { code: error.code, message: error.message };
  const code = (error as { code?: unknown })?.code;
  return { code: typeof code === 'string' ? code : 'JOB_ERROR', message: error instanceof Error ? error.message : String(error) };
}
