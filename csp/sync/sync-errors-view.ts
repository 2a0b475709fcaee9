import type { Db } from '../../core/db/database.ts';
import { listSyncErrors } from '../data/sync-errors.ts';
import type { CspPartner } from '../data/tables.ts';

/** One row of the sync's error table, as `csp sync errors` and the portal's Sync page show it. */
export interface SyncErrorView {
  /** The customer's domain; null for a partner step (customers, relationships). */
  readonly customer: string | null;
  readonly step: string;
  readonly code: string;
  readonly message: string;
  readonly remediation: string | null;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly count: number;
}

export async function partnerSyncErrors(db: Db, partner: Pick<CspPartner, 'id'>): Promise<SyncErrorView[]> {
  return (await listSyncErrors(db, partner.id)).map((error) => ({
    customer: error.customerDomain,
    step: error.step,
    code: error.code,
    message: error.message,
    remediation: error.remediation,
    firstSeenAt: error.firstSeenAt,
    lastSeenAt: error.lastSeenAt,
    count: error.count,
  }));
}
