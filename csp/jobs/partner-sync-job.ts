import type { JobDefinition } from '../../core/jobs/job-runner.ts';
import { findNewestJobByKeyPrefix } from '../../core/jobs/job-store.ts';
import type { Job } from '../../core/jobs/jobs-table.ts';
import type { Db } from '../../core/db/database.ts';
import type { JobQueue } from '../../core/module.ts';
import type { CustomerDeps } from '../customers/customer-deps.ts';
import type { CspPartner } from '../data/tables.ts';
import { syncPartner } from '../sync/sync-partner.ts';

export const partnerSyncJobKind = 'csp.sync-partner';

interface PartnerSyncPayload {
  readonly partner: string;
  readonly actor: string;
}

/** One partner's recurring import, asked for now ("Run sync now"): the same syncPartner as `csp sync` and the periodic job. */
export function partnerSyncJob(deps: CustomerDeps): JobDefinition {
  return {
    kind: partnerSyncJobKind,
    leaseSeconds: 120,
    async run(payload, job) {
      const { partner, actor } = payload as PartnerSyncPayload;
      const report = await syncPartner(deps, partner, actor, job.signal);
      return { partner: report.partner, customersImported: report.customersImported, relationshipsRead: report.relationshipsRead, counts: report.counts };
    },
  };
}

const keyPrefix = (partner: Pick<CspPartner, 'id'>) => `${partnerSyncJobKind}:${partner.id}:`;

/** A partner's "sync now" job as the Sync page shows it. */
export interface PartnerSyncJobView {
  readonly id: string;
  readonly state: Job['state'];
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly result: { customersImported: boolean; relationshipsRead: boolean; counts: Record<string, number> } | null;
}

function viewOf(job: Job): PartnerSyncJobView {
  return {
    id: job.id,
    state: job.state,
    requestedBy: (JSON.parse(job.payload) as PartnerSyncPayload).actor,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    errorCode: job.lastErrorCode,
    errorMessage: job.lastErrorMessage,
    result: job.result ? (JSON.parse(job.result) as PartnerSyncJobView['result']) : null,
  };
}

/** The partner's last "sync now" job, if any. */
export async function latestPartnerSync(db: Db, partner: Pick<CspPartner, 'id'>): Promise<PartnerSyncJobView | undefined> {
  const job = await findNewestJobByKeyPrefix(db, keyPrefix(partner));
  return job ? viewOf(job) : undefined;
}

/**
 * Queues the partner's sync, unless one is queued or running already (that one is answered). The
 * job's key names the last job seen, so two requests at once make one job (the key is unique).
 */
export async function startPartnerSync(db: Db, jobs: JobQueue, partner: Pick<CspPartner, 'id' | 'slug'>, actor: string): Promise<PartnerSyncJobView> {
  const latest = await findNewestJobByKeyPrefix(db, keyPrefix(partner));
  if (latest && (latest.state === 'queued' || latest.state === 'running')) return viewOf(latest);
  const payload: PartnerSyncPayload = { partner: partner.slug, actor };
  return viewOf(await jobs.enqueue({ kind: partnerSyncJobKind, key: `${keyPrefix(partner)}after:${latest?.id ?? 'none'}`, payload, maxAttempts: 3 }));
}
