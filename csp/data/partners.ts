import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { CspPartner, StoredTokenState } from './tables.ts';
import { recordFailureOfToken, storeIssuedToken, type IssuedToken, type TokenFailure } from './token-row-writes.ts';

export type NewPartner = Pick<
  CspPartner,
  'slug' | 'partnerTenantId' | 'clientId' | 'clientSecretSealed' | 'accountId' | 'loginUrl' | 'partnerCenterUrl' | 'graphUrl' | 'resellerIds' | 'includeSubResellers'
> &
  Partial<Pick<CspPartner, 'adminEmails' | 'clientSecretExpiresAt' | 'licenceCapPerCustomer'>> & { readonly id?: string; readonly isDefault: boolean };

/**
 * Adds a partner. The secret arrives sealed (the sealing context needs the id, so the caller may
 * choose it). `isDefault` clears the flag on every other partner in the same transaction, so there
 * is at most one default. Returns undefined when the slug is taken (unique index, no read first).
 *
 * @example
 *   const partner = await insertPartner(db, { slug: 'contoso-csp', …, isDefault: true });
 */
export async function insertPartner(db: Db, values: NewPartner, now: Date = new Date()): Promise<CspPartner | undefined> {
  const at = now.toISOString();
  const id = values.id ?? randomUUID();
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('cspPartners')
      .values({ ...values, id, isDefault: values.isDefault ? 1 : 0, createdAt: at, updatedAt: at })
      .onConflict((conflict) => conflict.column('slug').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return undefined;
    if (values.isDefault) await trx.updateTable('cspPartners').set({ isDefault: 0, updatedAt: at }).where('id', '!=', id).where('isDefault', '=', 1).execute();
    return trx.selectFrom('cspPartners').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  });
}

export async function findPartnerBySlug(db: Db, slug: string): Promise<CspPartner | undefined> {
  return db.selectFrom('cspPartners').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findPartnerById(db: Db, id: string): Promise<CspPartner | undefined> {
  return db.selectFrom('cspPartners').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listPartners(db: Db): Promise<CspPartner[]> {
  return db.selectFrom('cspPartners').selectAll().orderBy('slug').execute();
}

/**
 * Stores a refresh token Entra just issued (consent, set-refresh-token, or a rotation) and marks
 * the token valid. In database storage `sealed` is the token; in Key Vault storage
 * `keyVaultVersion` is the secret version already written holding it. `replacing` (database) or
 * `replacingVersion` (Key Vault) is the handle of the token that was redeemed to get it: the update
 * only happens while that is still the stored one (compare-and-set), and while the storage is still
 * the one written to, so of two nodes rotating at once, the one that lost does not overwrite the
 * newer token. Returns whether it stored.
 */
export async function storeRefreshToken(db: Db, partnerId: string, token: IssuedToken, now: Date = new Date()): Promise<boolean> {
  return storeIssuedToken(db, { table: 'cspPartners', id: partnerId }, token, now);
}

/** Records why the partner's stored token does not work, by compare-and-set (recordFailureOfToken). */
export async function recordTokenFailure(db: Db, partnerId: string, failure: TokenFailure, now: Date = new Date()): Promise<boolean> {
  return recordFailureOfToken(db, { table: 'cspPartners', id: partnerId }, failure, now);
}

/**
 * Records a consent that was refused (e.g. without MFA): the partner's state and code change, the
 * stored token, if any, is left as it is (the refused consent produced nothing to store).
 */
export async function recordConsentRefusal(db: Db, partnerId: string, failure: { state: StoredTokenState; code: string; message: string }, now: Date = new Date()): Promise<void> {
  await db
    .updateTable('cspPartners')
    .set({ tokenState: failure.state, tokenErrorCode: failure.code, tokenErrorMessage: failure.message, updatedAt: now.toISOString() })
    .where('id', '=', partnerId)
    .execute();
}

/** Partners holding a refresh token last used before `usedBefore`: the renewal job's work list. */
export async function listPartnersToRenew(db: Db, usedBefore: Date): Promise<CspPartner[]> {
  return db
    .selectFrom('cspPartners')
    .selectAll()
    .where((eb) => eb.or([eb('refreshTokenSealed', 'is not', null), eb('keyVaultSecretVersion', 'is not', null)]))
    .where('refreshTokenLastUsedAt', '<', usedBefore.toISOString())
    .orderBy('slug')
    .execute();
}

/** Whether the partner holds a refresh token, in either storage. */
export const holdsRefreshToken = (partner: CspPartner): boolean => partner.refreshTokenSealed !== null || partner.keyVaultSecretVersion !== null;

/** Where the token moves to (`use-key-vault` / `use-database`): the storage and, in Key Vault, its access and the version written. */
export type TokenStorageTarget =
  | { readonly storage: 'database'; readonly sealed: string | null }
  | { readonly storage: 'key-vault'; readonly secretUrl: string; readonly tenantId: string; readonly clientId: string; readonly clientSecretSealed: string; readonly version: string | null };

/**
 * Moves the partner's token to another storage in one update: the new place's reference is set and
 * the old one's cleared, by compare-and-set on the handle of the token read from the old place
 * (`from`: the sealed token or the Key Vault version, null when none), so a rotation that happened
 * meanwhile makes this return false instead of moving a spent token.
 */
export async function moveTokenStorage(db: Db, partnerId: string, from: { storage: 'database' | 'key-vault'; handle: string | null }, to: TokenStorageTarget, hash: string | null, now: Date = new Date()): Promise<boolean> {
  const keyVault = to.storage === 'key-vault' ? to : undefined;
  let query = db
    .updateTable('cspPartners')
    .set({
      tokenStorage: to.storage,
      refreshTokenSealed: to.storage === 'database' ? to.sealed : null,
      keyVaultSecretUrl: keyVault?.secretUrl ?? null,
      keyVaultTenantId: keyVault?.tenantId ?? null,
      keyVaultClientId: keyVault?.clientId ?? null,
      keyVaultClientSecretSealed: keyVault?.clientSecretSealed ?? null,
      keyVaultSecretVersion: keyVault?.version ?? null,
      refreshTokenHash: hash,
      updatedAt: now.toISOString(),
    })
    .where('id', '=', partnerId)
    .where('tokenStorage', '=', from.storage);
  const column = from.storage === 'database' ? 'refreshTokenSealed' : 'keyVaultSecretVersion';
  query = from.handle === null ? query.where(column, 'is', null) : query.where(column, '=', from.handle);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type PartnerChanges = Partial<
  Pick<CspPartner, 'clientSecretSealed' | 'licenceCapPerCustomer' | 'resellerIds' | 'includeSubResellers' | 'adminEmails' | 'clientSecretExpiresAt' | 'loginUrl' | 'partnerCenterUrl' | 'graphUrl'>
> & { readonly isDefault?: boolean };

/**
 * Changes a partner's settings; `isDefault: true` takes the flag from every other partner in the
 * same transaction (one default at most). Returns the partner as changed, or undefined when gone.
 */
export async function updatePartner(db: Db, partnerId: string, changes: PartnerChanges, now: Date = new Date()): Promise<CspPartner | undefined> {
  const at = now.toISOString();
  const { isDefault, ...columns } = changes;
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('cspPartners')
      .set({ ...columns, ...(isDefault !== undefined ? { isDefault: isDefault ? 1 : 0 } : {}), updatedAt: at })
      .where('id', '=', partnerId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return undefined;
    if (isDefault) await trx.updateTable('cspPartners').set({ isDefault: 0, updatedAt: at }).where('id', '!=', partnerId).where('isDefault', '=', 1).execute();
    return trx.selectFrom('cspPartners').selectAll().where('id', '=', partnerId).executeTakeFirstOrThrow();
  });
}

/**
 * Deletes a partner that has no customers, in one statement (a customer added meanwhile makes it
 * delete nothing); its consent requests go with it (cascade). 'has-customers' / 'gone' otherwise.
 */
export async function deletePartnerWithoutCustomers(db: Db, partnerId: string): Promise<'deleted' | 'has-customers' | 'gone'> {
  const result = await db
    .deleteFrom('cspPartners')
    .where('id', '=', partnerId)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('cspCustomers').select('cspCustomers.id').where('cspCustomers.partnerId', '=', partnerId))))
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 1) return 'deleted';
  return (await findPartnerById(db, partnerId)) ? 'has-customers' : 'gone';
}

/** How many customers the partner has (what `remove` names when it refuses). */
export async function countPartnerCustomers(db: Db, partnerId: string): Promise<number> {
  const row = await db.selectFrom('cspCustomers').select((eb) => eb.fn.countAll<string | number>().as('count')).where('partnerId', '=', partnerId).executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Records that the partner's admins were told about `state` (null: all is well again), only
 * while the last state told is still `previous` (compare-and-set): of two nodes noticing the same
 * change, one sends the e-mail. Returns whether this caller won.
 */
export async function markNotifiedState(db: Db, partnerId: string, previous: string | null, state: string | null, now: Date = new Date()): Promise<boolean> {
  let query = db.updateTable('cspPartners').set({ notifiedState: state, notifiedAt: now.toISOString() }).where('id', '=', partnerId);
  query = previous === null ? query.where('notifiedState', 'is', null) : query.where('notifiedState', '=', previous);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
