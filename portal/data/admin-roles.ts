import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { AdminRoleGrant } from './tables.ts';

export type NewGrant = Omit<AdminRoleGrant, 'id' | 'grantedAt'>;

/** Adds a grant; an identical grant (same user, role and scope) is kept as it is. True when added. */
export async function insertGrant(db: Db, grant: NewGrant, now: Date): Promise<boolean> {
  const inserted = await db
    .insertInto('portalAdminRoles')
    .values({ ...grant, id: randomUUID(), grantedAt: now.toISOString() })
    .onConflict((conflict) => conflict.columns(['userId', 'role', 'scopeKey']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Removes one grant (role and scope) of a user; true when there was one. */
export async function deleteGrant(db: Db, userId: string, role: string, scopeKey: string): Promise<boolean> {
  const deleted = await db.deleteFrom('portalAdminRoles').where('userId', '=', userId).where('role', '=', role as AdminRoleGrant['role']).where('scopeKey', '=', scopeKey).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

export async function grantsOfUser(db: Db, userId: string): Promise<AdminRoleGrant[]> {
  return db.selectFrom('portalAdminRoles').selectAll().where('userId', '=', userId).orderBy('role').orderBy('scopeKey').execute();
}

/** Every grant with the admin's UPN, for `admin list` and the admins page. */
export async function listGrantsWithUpn(db: Db): Promise<Array<AdminRoleGrant & { upn: string }>> {
  return db
    .selectFrom('portalAdminRoles')
    .innerJoin('users', 'users.id', 'portalAdminRoles.userId')
    .selectAll('portalAdminRoles')
    .select('users.upn')
    .orderBy('users.upn')
    .orderBy('portalAdminRoles.role')
    .execute();
}

export async function countOperators(db: Db): Promise<number> {
  const row = await db.selectFrom('portalAdminRoles').select((eb) => eb.fn.countAll<number>().as('count')).where('role', '=', 'operator').executeTakeFirstOrThrow();
  return Number(row.count);
}
