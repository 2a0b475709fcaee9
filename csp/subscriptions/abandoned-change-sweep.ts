import type { JobDefinition } from '../../core/jobs/job-runner.ts';
import { listAbandonedChanges } from '../data/subscriptions.ts';
import { failAbandonedChange, type SubscriptionJobDeps } from './subscription-change-job.ts';

export const abandonedChangeSweepKind = 'csp.subscription-change-sweep';

/**
 * Periodic (every minute), on the one job runner of `lanyard serve`: ends the subscription changes
 * whose job ran out of attempts without the change knowing (every holder died mid-change), the way
 * `lanyard csp subscription …` does for its own change — failed with JOB_ATTEMPTS_EXHAUSTED, the
 * subscription's lock released, an order's offer freed. Without it such a subscription stayed
 * locked until someone ran a CLI command for that change. Idempotent: the change moves by
 * compare-and-set, so a change ended meanwhile (by the CLI, another node) is left as it is.
 */
export function abandonedChangeSweep(deps: SubscriptionJobDeps): JobDefinition {
  return {
    kind: abandonedChangeSweepKind,
    everySeconds: 60,
    async run(_payload, job) {
      const ended: string[] = [];
      for (const change of await listAbandonedChanges(deps.db)) {
        if (job.signal.aborted) break;
        await failAbandonedChange(deps, change, { lastErrorCode: change.jobErrorCode, lastErrorMessage: change.jobErrorMessage });
        ended.push(change.id);
      }
      return { ended };
    },
  };
}
