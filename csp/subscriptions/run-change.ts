import type { Clock } from '../../core/clock.ts';
import type { Db, Dialect } from '../../core/db/database.ts';
import { errorCodes } from '../../core/error-codes.ts';
import { LanyardError } from '../../core/errors.ts';
import { createJobRunner } from '../../core/jobs/job-runner.ts';
import type { Logger } from '../../core/logger.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { findChange } from '../data/subscriptions.ts';
import type { CspSubscriptionChange } from '../data/tables.ts';
import { findJob } from '../../core/jobs/job-store.ts';
import { failAbandonedChange, subscriptionChangeJob } from './subscription-change-job.ts';

export interface RunChangeDeps {
  readonly db: Db;
  readonly dialect: Dialect;
  readonly secretBox: SecretBox;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * What `lanyard csp subscription …` does after queueing a change: it works the subscription-change
 * jobs itself, through the one job runner (same leases, same retries, same code path as `serve`),
 * until its change has ended or `waitMs` passed. A job leased by a process that died (killed
 * mid-order) is taken over when its 10-second lease expires, so running the command again finishes
 * the order. Returns the change as it stands; a failed change is thrown as its own error.
 */
export async function runChangeToEnd(deps: RunChangeDeps, changeId: string, waitMs = 45_000): Promise<CspSubscriptionChange> {
  const runner = createJobRunner({ db: deps.db, dialect: deps.dialect, logger: deps.logger, clock: deps.clock, concurrency: 1, definitions: [subscriptionChangeJob(deps)] });
  const deadline = deps.clock.now().getTime() + waitMs;
  for (;;) {
    await runner.runDue();
    let change = (await findChange(deps.db, changeId))!;
    const job = change.jobId ? await findJob(deps.db, change.jobId) : undefined;
    if (job?.state === 'failed' && change.state !== 'succeeded' && change.state !== 'failed') {
      await failAbandonedChange(deps, change, job);
      change = (await findChange(deps.db, changeId))!;
    }
    if (change.state === 'failed') throw changeError(change);
    if (change.state === 'succeeded' || deps.clock.now().getTime() >= deadline) return change;
    await deps.clock.sleep(500);
  }
}

/** The stored refusal of a failed change, as the error it was (code, status, details). */
export function changeError(change: CspSubscriptionChange): LanyardError {
  const code = change.errorCode ?? 'JOB_ERROR';
  const status = (errorCodes as Record<string, { status: number } | undefined>)[code]?.status ?? 500;
  const details = change.errorDetails ? (JSON.parse(change.errorDetails) as Record<string, unknown>) : {};
  return LanyardError.relayed(code, change.errorMessage ?? 'the change failed', status, { ...details, change: change.id });
}
