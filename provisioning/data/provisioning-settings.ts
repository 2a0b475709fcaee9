import type { Updateable } from 'kysely';
import type { Db } from '../../core/db/database.ts';
import type { ProvisioningSettings, ProvisioningSettingsTable } from './tables.ts';

/**
 * One row per organization: auto-provisioning, deletion threshold, default licences and usage
 * location, and the slot that allows one import or export at a time.
 *
 * @example
 *   const settings = await readProvisioningSettings(db, organization.id);
 */
export async function ensureProvisioningSettings(db: Db, organizationId: string, now: Date = new Date()): Promise<void> {
  await db
    .insertInto('provisioningSettings')
    .values({ organizationId, autoProvisioning: 0, deletionThreshold: 500, defaultLicences: '[]', updatedAt: now.toISOString() })
    .onConflict((conflict) => conflict.column('organizationId').doNothing())
    .execute();
}

export async function readProvisioningSettings(db: Db, organizationId: string): Promise<ProvisioningSettings> {
  await ensureProvisioningSettings(db, organizationId);
  return db.selectFrom('provisioningSettings').selectAll().where('organizationId', '=', organizationId).executeTakeFirstOrThrow();
}

export async function updateProvisioningSettings(
  db: Db,
  organizationId: string,
  changes: Updateable<Omit<ProvisioningSettingsTable, 'organizationId' | 'activeRunId'>>,
  now: Date = new Date(),
): Promise<void> {
  await ensureProvisioningSettings(db, organizationId, now);
  await db.updateTable('provisioningSettings').set({ ...changes, updatedAt: now.toISOString() }).where('organizationId', '=', organizationId).execute();
}

/**
 * Takes the organization's run slot for `runId` when it is free. A single conditional UPDATE, so of
 * two nodes (or two CLI processes) racing for it exactly one wins. True when taken.
 */
export async function claimRunSlot(db: Db, organizationId: string, runId: string): Promise<boolean> {
  await ensureProvisioningSettings(db, organizationId);
  const result = await db
    .updateTable('provisioningSettings')
    .set({ activeRunId: runId })
    .where('organizationId', '=', organizationId)
    .where('activeRunId', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Frees the slot if `runId` still holds it. */
export async function releaseRunSlot(db: Db, organizationId: string, runId: string): Promise<void> {
  await db.updateTable('provisioningSettings').set({ activeRunId: null }).where('organizationId', '=', organizationId).where('activeRunId', '=', runId).execute();
}

/** Organizations with auto-provisioning on. */
export async function listAutoProvisioningSettings(db: Db): Promise<ProvisioningSettings[]> {
  return db.selectFrom('provisioningSettings').selectAll().where('autoProvisioning', '=', 1).execute();
}
