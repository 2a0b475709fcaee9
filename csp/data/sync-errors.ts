import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { CspSyncError, SyncStep } from './sync-tables.ts';
import './sync-tables.ts';

export interface SyncErrorSeen {
  readonly partnerId: string;
  /** Undefined for a partner-level step. */
  readonly customer?: { readonly id: string; readonly domain: string } | undefined;
  readonly step: SyncStep;
  readonly code: string;
  readonly message: string;
  readonly remediation: string | null;
}

/**
 * Records that a sync step failed: a new row the first time, else the same row's message, last
 * seen and count (+1), in one upsert on (partner, customer, step, code), so two syncs at once count both.
 *
 * @example
 *   await recordSyncError(db, { partnerId, customer, step: 'users', code: 'AADSTS65001', message, remediation }, now);
 */
export async function recordSyncError(db: Db, seen: SyncErrorSeen, now: Date): Promise<void> {
  const at = now.toISOString();
  await db
    .insertInto('cspSyncErrors')
    .values({
      id: randomUUID(),
      partnerId: seen.partnerId,
      customerKey: seen.customer?.id ?? '',
      customerDomain: seen.customer?.domain ?? null,
      step: seen.step,
      code: seen.code,
      message: seen.message.slice(0, 2000),
      remediation: seen.remediation,
      firstSeenAt: at,
      lastSeenAt: at,
      count: 1,
    })
    .onConflict((conflict) =>
      conflict.columns(['partnerId', 'customerKey', 'step', 'code']).doUpdateSet((eb) => ({
        message: seen.message.slice(0, 2000),
        remediation: seen.remediation,
        lastSeenAt: at,
        count: eb(eb.ref('cspSyncErrors.count'), '+', 1),
      })),
    )
    .execute();
}

/** A step that worked again: its errors for that customer are over. */
export async function clearSyncErrors(db: Db, partnerId: string, customerId: string | undefined, step: SyncStep): Promise<void> {
  await db.deleteFrom('cspSyncErrors').where('partnerId', '=', partnerId).where('customerKey', '=', customerId ?? '').where('step', '=', step).execute();
}

export async function listSyncErrors(db: Db, partnerId: string): Promise<CspSyncError[]> {
  return db.selectFrom('cspSyncErrors').selectAll().where('partnerId', '=', partnerId).orderBy('lastSeenAt', 'desc').orderBy('customerDomain').orderBy('step').execute();
}
