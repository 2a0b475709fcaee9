import type { Db } from '../../core/db/database.ts';
import { matchFields, type CspSyncSettings, type MatchField } from './sync-tables.ts';

export interface SyncSettings {
  readonly matchFields: readonly MatchField[];
  readonly ignoreAccountEnabled: boolean;
  readonly billingGroup: string | null;
  readonly billingSkuIds: readonly string[];
  readonly signInActivity: boolean;
}

export const defaultSyncSettings: SyncSettings = { matchFields: [...matchFields], ignoreAccountEnabled: false, billingGroup: null, billingSkuIds: [], signInActivity: false };

export async function readSyncSettings(db: Db, partnerId: string): Promise<SyncSettings> {
  const row = await db.selectFrom('cspSyncSettings').selectAll().where('partnerId', '=', partnerId).executeTakeFirst();
  return row ? fromRow(row) : defaultSyncSettings;
}

/** Stores the partner's settings whole (one row per partner, upserted). */
export async function writeSyncSettings(db: Db, partnerId: string, settings: SyncSettings, now: Date): Promise<void> {
  const values = {
    matchFields: JSON.stringify(settings.matchFields),
    ignoreAccountEnabled: settings.ignoreAccountEnabled ? 1 : 0,
    billingGroup: settings.billingGroup,
    billingSkuIds: JSON.stringify(settings.billingSkuIds.map((id) => id.toLowerCase())),
    signInActivity: settings.signInActivity ? 1 : 0,
    updatedAt: now.toISOString(),
  };
  await db
    .insertInto('cspSyncSettings')
    .values({ partnerId, ...values })
    .onConflict((conflict) => conflict.column('partnerId').doUpdateSet(values))
    .execute();
}

function fromRow(row: CspSyncSettings): SyncSettings {
  return {
    matchFields: JSON.parse(row.matchFields) as MatchField[],
    ignoreAccountEnabled: row.ignoreAccountEnabled === 1,
    billingGroup: row.billingGroup,
    billingSkuIds: JSON.parse(row.billingSkuIds) as string[],
    signInActivity: row.signInActivity === 1,
  };
}
