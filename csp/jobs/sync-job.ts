import type { Clock } from '../../core/clock.ts';
import type { JobDefinition } from '../../core/jobs/job-runner.ts';
import type { CustomerDeps } from '../customers/customer-deps.ts';
import { listPartners } from '../data/partners.ts';
import { syncPartner } from '../sync/sync-partner.ts';

export const syncJobKind = 'csp.sync';

/**
 * Periodic (every `everySeconds`, default 6 hours): the recurring import of every partner holding a
 * refresh token (customers, relationships, licences, users). Failures are in the error table, per
 * customer and step, so the job itself succeeds unless the database fails; the result has the counts.
 * Idempotent: a rerun after a lost lease imports the same state again.
 */
export function syncJob(deps: CustomerDeps & { readonly clock: Clock; readonly everySeconds?: number }): JobDefinition {
  return {
    kind: syncJobKind,
    everySeconds: deps.everySeconds ?? 6 * 3600,
    async run(_payload, job) {
      const partners: { partner: string; customers: number; failed: number; users: number }[] = [];
      for (const partner of await listPartners(deps.db)) {
        if (job.signal.aborted) break;
        if (!partner.refreshTokenSealed) continue;
        const report = await syncPartner(deps, partner.slug, `job:${syncJobKind}`, job.signal);
        partners.push({ partner: partner.slug, customers: report.counts.customers, failed: report.counts.failed, users: report.counts.users });
      }
      return { partners };
    },
  };
}
