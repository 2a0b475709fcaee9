import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { CspCustomerUser, MatchField } from './sync-tables.ts';
import './sync-tables.ts';

/** A user as Graph shows it now, with what the sync decided about billing. */
export interface SeenCustomerUser {
  readonly objectId: string;
  readonly upn: string;
  readonly mail: string | null;
  readonly login: string | null;
  readonly displayName: string;
  readonly accountEnabled: boolean;
  readonly skuIds: readonly string[];
  readonly serviceUser: boolean;
  readonly serviceReason: string | null;
  readonly lastSignInAt: string | null;
}

export interface StoreUsersReport {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly removed: number;
  /** Rows found by a field after the object id (a user deleted and made again, keeping its row). */
  readonly rematched: number;
}

const insertChunk = 200;

/**
 * Stores what one sync saw of a customer's users, in one transaction: each user is found by its
 * Microsoft object id, else by `fields` in order (UPN, e-mail, login; case-insensitive) among rows
 * not matched yet, and updated (its object id too); a user found by nothing is added; rows no
 * user matched are removed (the user left the tenant). Unchanged rows are not written.
 *
 * @example
 *   await storeCustomerUsers(db, customer.id, seen, ['upn', 'mail'], now);
 */
export async function storeCustomerUsers(db: Db, customerId: string, seen: readonly SeenCustomerUser[], fields: readonly MatchField[], now: Date): Promise<StoreUsersReport> {
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('cspCustomerUsers').selectAll().where('customerId', '=', customerId).execute();
    const byObjectId = new Map(existing.map((row) => [row.objectId, row]));
    const byField = new Map<MatchField, Map<string, CspCustomerUser>>(fields.map((field) => [field, new Map()]));
    for (const row of existing) {
      for (const field of fields) {
        const value = fieldOf(row, field);
        if (value && !byField.get(field)!.has(value)) byField.get(field)!.set(value, row);
      }
    }
    const matched = new Set<string>();
    // A row whose object id is still in the tenant belongs to that user, never to another found by a field.
    const seenObjectIds = new Set(seen.map((user) => user.objectId));
    const inserts: CspCustomerUser[] = [];
    let updated = 0;
    let unchanged = 0;
    let rematched = 0;
    for (const user of seen) {
      let row = byObjectId.get(user.objectId);
      let matchedBy: string = 'objectId';
      if (!row || matched.has(row.id)) {
        row = undefined;
        for (const field of fields) {
          const value = fieldOf(user, field);
          const candidate = value ? byField.get(field)!.get(value) : undefined;
          if (candidate && !matched.has(candidate.id) && !seenObjectIds.has(candidate.objectId)) {
            row = candidate;
            matchedBy = field;
            break;
          }
        }
      }
      const values = {
        objectId: user.objectId,
        upn: user.upn.toLowerCase(),
        mail: user.mail?.toLowerCase() ?? null,
        login: user.login,
        displayName: user.displayName,
        accountEnabled: user.accountEnabled ? 1 : 0,
        skuIds: JSON.stringify([...user.skuIds].map((id) => id.toLowerCase()).sort()),
        serviceUser: user.serviceUser ? 1 : 0,
        serviceReason: user.serviceReason,
        lastSignInAt: user.lastSignInAt,
      };
      if (!row) {
        inserts.push({ id: randomUUID(), customerId, ...values, matchedBy: 'new', firstSeenAt: at, syncedAt: at });
        continue;
      }
      matched.add(row.id);
      if (matchedBy !== 'objectId') rematched += 1;
      const changed = (Object.keys(values) as (keyof typeof values)[]).some((key) => row[key] !== values[key]);
      if (!changed) {
        unchanged += 1;
        continue;
      }
      updated += 1;
      await trx.updateTable('cspCustomerUsers').set({ ...values, matchedBy, syncedAt: at }).where('id', '=', row.id).execute();
    }
    const gone = existing.filter((row) => !matched.has(row.id)).map((row) => row.id);
    for (let index = 0; index < gone.length; index += insertChunk) {
      await trx.deleteFrom('cspCustomerUsers').where('id', 'in', gone.slice(index, index + insertChunk)).execute();
    }
    for (let index = 0; index < inserts.length; index += insertChunk) {
      await trx.insertInto('cspCustomerUsers').values(inserts.slice(index, index + insertChunk)).execute();
    }
    return { created: inserts.length, updated, unchanged, removed: gone.length, rematched };
  });
}

function fieldOf(user: { upn: string; mail: string | null; login: string | null }, field: MatchField): string | undefined {
  const value = field === 'upn' ? user.upn : field === 'mail' ? user.mail : user.login;
  return value ? value.toLowerCase() : undefined;
}

export async function listCustomerUsers(db: Db, customerId: string): Promise<CspCustomerUser[]> {
  return db.selectFrom('cspCustomerUsers').selectAll().where('customerId', '=', customerId).orderBy('upn').execute();
}

/** Users billed per seat: synced, not service users. */
export async function countBillableUsers(db: Db, customerId: string): Promise<number> {
  const row = await db.selectFrom('cspCustomerUsers').select((eb) => eb.fn.countAll<number>().as('count')).where('customerId', '=', customerId).where('serviceUser', '=', 0).executeTakeFirst();
  return Number(row?.count ?? 0);
}
