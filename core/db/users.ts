import { upnLookupKey } from '../upn.ts';
import type { Db } from './database.ts';
import type { NewUser, User, UserUpdate } from './schema.ts';

export async function insertUser(db: Db, user: NewUser): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

/** Inserts many accounts, 200 rows a statement (well within both dialects' bound-parameter limits). */
export async function insertUsers(db: Db, users: readonly NewUser[]): Promise<void> {
  for (let start = 0; start < users.length; start += 200) await db.insertInto('users').values(users.slice(start, start + 200)).execute();
}

/** The accounts, of any organization, with one of these immutable IDs. */
export async function findUsersByImmutableIds(db: Db, immutableIds: readonly string[]): Promise<User[]> {
  if (immutableIds.length === 0) return [];
  return db.selectFrom('users').selectAll().where('immutableId', 'in', [...immutableIds]).execute();
}

/** The accounts, of any organization, with one of these UPNs. */
export async function findUsersByUpns(db: Db, upns: readonly string[]): Promise<User[]> {
  if (upns.length === 0) return [];
  return db.selectFrom('users').selectAll().where('upn', 'in', [...upns]).execute();
}

/**
 * The account with this UPN, in any spelling of its normal form (common/upn.ts); a value that is no
 * valid UPN finds nothing, even if such a row was stored before UPNs were normalised.
 */
export async function findUserByUpn(db: Db, upn: string): Promise<User | undefined> {
  const key = upnLookupKey(upn);
  if (key === undefined) return undefined;
  return db.selectFrom('users').selectAll().where('upn', '=', key).executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUserByImmutableId(db: Db, immutableId: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('immutableId', '=', immutableId).executeTakeFirst();
}

/** One page of an organization's users in UPN order; pass the last UPN seen as `after`. */
export async function listUsers(db: Db, organizationId: string, options: { after?: string; limit?: number } = {}): Promise<User[]> {
  let query = db
    .selectFrom('users')
    .selectAll()
    .where('organizationId', '=', organizationId)
    .orderBy('upn')
    .limit(options.limit ?? 1000);
  if (options.after) query = query.where('upn', '>', options.after);
  return query.execute();
}

export async function updateUser(db: Db, id: string, changes: UserUpdate, now: Date = new Date()): Promise<void> {
  await db.updateTable('users').set({ ...changes, updatedAt: now.toISOString() }).where('id', '=', id).execute();
}

export async function deleteUser(db: Db, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}
