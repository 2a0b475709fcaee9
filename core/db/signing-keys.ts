import type { Db } from './database.ts';
import type { SigningKeyRow } from './schema.ts';

export async function insertSigningKey(db: Db, key: SigningKeyRow): Promise<void> {
  await db.insertInto('signingKeys').values(key).execute();
}

/** Keys that are not retired, newest first. */
export async function listSigningKeys(db: Db, options: { includeRetired?: boolean } = {}): Promise<SigningKeyRow[]> {
  let query = db.selectFrom('signingKeys').selectAll().orderBy('createdAt', 'desc');
  if (!options.includeRetired) query = query.where('state', '!=', 'retired');
  return query.execute();
}

export async function findSigningKeyInState(db: Db, state: SigningKeyRow['state']): Promise<SigningKeyRow | undefined> {
  return db.selectFrom('signingKeys').selectAll().where('state', '=', state).orderBy('createdAt', 'desc').executeTakeFirst();
}

export async function setSigningKeyState(
  db: Db,
  id: string,
  state: SigningKeyRow['state'],
  stamp: Partial<Pick<SigningKeyRow, 'activatedAt' | 'retiredAt'>> = {},
): Promise<void> {
  await db.updateTable('signingKeys').set({ state, ...stamp }).where('id', '=', id).execute();
}
