import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.ts';
import { LanyardError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Db } from '../../core/db/database.ts';
import { insertResults } from '../data/provisioning-results.ts';
import { addThrottledCount, renewRunLease, updateHeldRun } from '../data/provisioning-runs.ts';
import type { Organization } from '../../core/db/schema.ts';
import type { ProvisioningOutcome, ProvisioningResult, ProvisioningRun, ProvisioningSettings } from '../data/tables.ts';
import type { TenantGraph } from '../tenant/graph-client.ts';
import type { GraphCallStats, RetryPolicy } from '../graph/retry.ts';

/** What the provisioning engine needs from the process running it. */
export interface ProvisioningDeps {
  readonly db: Db;
  readonly logger: Logger;
  /** The organization's Graph client (openTenantGraph in production). */
  openGraph(organizationId: string): Promise<TenantGraph>;
  /** How long a run's lease lasts without renewal; a crashed holder's run is resumable after it. */
  readonly leaseSeconds: number;
  /** This process (see newLeaseOwner). */
  readonly owner: string;
  /** Base URL of activation links. */
  readonly publicUrl: string;
  readonly retryPolicy?: RetryPolicy;
  /** `$batch` calls in flight at once. */
  readonly batchConcurrency?: number;
  /** Time of leases and records (a manual clock in tests, to let a lease expire without waiting). */
  readonly clock?: Clock;
}

/** The time as the engine sees it. */
export function nowOf(deps: Pick<ProvisioningDeps, 'clock'>): Date {
  return (deps.clock ?? systemClock).now();
}

/** A lease owner name that says which host and process held a run (shown by `runs show`). */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export interface RunProgress {
  readonly runId: string;
  readonly phase: ProvisioningRun['phase'];
  readonly processed: number;
  readonly total: number | null;
}

/** The run's lease was taken over (this process stalled past it): stop without touching the run. */
export class RunLeaseLost extends LanyardError {
  constructor(runId: string) {
    super('RUN_LEASE_LOST', `run ${runId} is now held by another process`, { runId });
  }
}

/**
 * The process working the run is stopping (its job's signal aborted): the run stops at the next
 * page, with everything done so far recorded, and stays leased; it resumes once the lease expires.
 */
export class RunInterrupted extends LanyardError {
  constructor(runId: string) {
    super('RUN_INTERRUPTED', `run ${runId} stopped because its process is stopping; it resumes once its lease expires`, { runId });
  }
}

/**
 * One run in progress, as the import and export engines see it: the tenant, settings, Graph call
 * statistics, and `record`, which stores a page of per-account results together with the account
 * changes they describe, in one transaction, while the lease is still held.
 */
export class RunContext {
  readonly counts: Partial<Record<ProvisioningOutcome, number>>;
  #processed: number;
  #total: number | null;
  #reportedThrottles = 0;

  constructor(
    readonly deps: ProvisioningDeps,
    readonly run: ProvisioningRun,
    readonly organization: Organization,
    readonly settings: ProvisioningSettings,
    readonly graph: TenantGraph,
    readonly stats: GraphCallStats,
    private readonly onProgress: ((progress: RunProgress) => void) | undefined,
    private readonly signal?: AbortSignal,
  ) {
    this.counts = JSON.parse(run.counts) as Partial<Record<ProvisioningOutcome, number>>;
    this.#processed = run.processed;
    this.#total = run.total;
  }

  get db(): Db {
    return this.deps.db;
  }

  get dryRun(): boolean {
    return this.run.dryRun === 1;
  }

  /** Throws RunLeaseLost when another process took the run over, RunInterrupted when this one is stopping. */
  async assertLease(): Promise<void> {
    if (this.signal?.aborted) throw new RunInterrupted(this.run.id);
    const expiresAt = new Date(nowOf(this.deps).getTime() + this.deps.leaseSeconds * 1000);
    if (!(await renewRunLease(this.db, this.run.id, this.deps.owner, expiresAt))) throw new RunLeaseLost(this.run.id);
  }

  /**
   * The accidental-deletion guard: a run that would disable more accounts than the organization's
   * threshold stops before changing anything, unless the admin confirmed (a dry run only reports).
   */
  guardDisables(count: number): void {
    const threshold = this.settings.deletionThreshold;
    if (count <= threshold || this.run.confirmed === 1 || this.dryRun) return;
    throw new LanyardError(
      'PROVISIONING_THRESHOLD_EXCEEDED',
      `this run would disable ${count} accounts, more than the threshold of ${threshold}; review them with --dry-run, then run again with --confirm`,
      { count, threshold },
);
  }

  async setTotal(total: number): Promise<void> {
    this.#total = total;
    await this.#write({ total });
  }

  /** Reports reading progress (snapshot phase), where nothing is recorded per account yet. */
  progress(phase: ProvisioningRun['phase'], processed: number): void {
    this.onProgress?.({ runId: this.run.id, phase, processed, total: this.#total });
  }

  /**
   * Stores results (and, through `apply`, the Lanyard-side changes they report) atomically, so a
   * crash leaves an account either done and reported or not done at all.
   */
  async record(results: readonly ProvisioningResult[], apply?: (trx: Db) => Promise<void>): Promise<void> {
    if (results.length === 0) return;
    await this.assertLease();
    for (const result of results) this.counts[result.outcome] = (this.counts[result.outcome] ?? 0) + 1;
    this.#processed += results.length;
    await this.db.transaction().execute(async (trx) => {
      await apply?.(trx);
      await insertResults(trx, results);
      const held = await updateHeldRun(trx, this.run.id, this.deps.owner, { processed: this.#processed, counts: JSON.stringify(this.counts) });
      if (!held) throw new RunLeaseLost(this.run.id);
    });
    await this.flushThrottleCount();
    this.onProgress?.({ runId: this.run.id, phase: 'apply', processed: this.#processed, total: this.#total });
  }

  async flushThrottleCount(): Promise<void> {
    const unreported = this.stats.throttled - this.#reportedThrottles;
    this.#reportedThrottles = this.stats.throttled;
    await addThrottledCount(this.db, this.run.id, unreported);
  }

  async #write(changes: Parameters<typeof updateHeldRun>[3]): Promise<void> {
    if (!(await updateHeldRun(this.db, this.run.id, this.deps.owner, changes))) throw new RunLeaseLost(this.run.id);
  }

  /** A result row for this run. */
  result(subject: string, outcome: ProvisioningOutcome, fields: Partial<Omit<ProvisioningResult, 'runId' | 'subject' | 'outcome' | 'details'>> & { details?: Record<string, unknown> } = {}): ProvisioningResult {
    return {
      runId: this.run.id,
      subject,
      outcome,
      userId: fields.userId ?? null,
      microsoftObjectId: fields.microsoftObjectId ?? null,
      reasonCode: fields.reasonCode ?? null,
      message: fields.message ?? null,
      details: fields.details && Object.keys(fields.details).length > 0 ? JSON.stringify(fields.details) : null,
      recordedAt: nowOf(this.deps).toISOString(),
    };
  }
}
