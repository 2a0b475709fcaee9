import type { Db } from '../../core/db/database.ts';
import type { TenantUserRow } from './tables.ts';

/**
 * The tenant's users as a run read them from Graph, kept in the database rather than in memory so
 * a run over 100,000 users uses the same memory as one over 100, and a resumed run can reuse it.
 *
 * @example
 *   await insertTenantUsers(db, rows); const page = await listTenantUsers(db, runId, { after: last });
 */
export async function insertTenantUsers(db: Db, rows: readonly TenantUserRow[]): Promise<void> {
  // 10 columns per row: stay well under SQLite's 32,766 bound parameters.
  for (let start = 0; start < rows.length; start += 500) {
    await db
      .insertInto('provisioningTenantUsers')
      .values(rows.slice(start, start + 500))
      .onConflict((conflict) => conflict.columns(['runId', 'objectId']).doNothing())
      .execute();
  }
}

export async function deleteTenantSnapshot(db: Db, runId: string): Promise<void> {
  await db.deleteFrom('provisioningTenantUsers').where('runId', '=', runId).execute();
}

/** One page of the snapshot in UPN order; pass the last UPN seen as `after`. */
export async function listTenantUsers(db: Db, runId: string, options: { after?: string; limit?: number } = {}): Promise<TenantUserRow[]> {
  let query = db.selectFrom('provisioningTenantUsers').selectAll().where('runId', '=', runId).orderBy('upn').limit(options.limit ?? 500);
  if (options.after !== undefined) query = query.where('upn', '>', options.after);
  return query.execute();
}

export async function findTenantUsersByUpn(db: Db, runId: string, upns: readonly string[]): Promise<TenantUserRow[]> {
  if (upns.length === 0) return [];
  return db.selectFrom('provisioningTenantUsers').selectAll().where('runId', '=', runId).where('upn', 'in', [...upns]).execute();
}

export async function findTenantUsersByImmutableId(db: Db, runId: string, immutableIds: readonly string[]): Promise<TenantUserRow[]> {
  if (immutableIds.length === 0) return [];
  return db.selectFrom('provisioningTenantUsers').selectAll().where('runId', '=', runId).where('immutableId', 'in', [...immutableIds]).execute();
}

export async function countTenantUsers(db: Db, runId: string): Promise<number> {
  const row = await db.selectFrom('provisioningTenantUsers').select((eb) => eb.fn.countAll<string | number>().as('count')).where('runId', '=', runId).executeTakeFirstOrThrow();
  return Number(row.count);
}
