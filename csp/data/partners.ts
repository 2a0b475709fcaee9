import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { CspPartner, StoredTokenState } from './tables.ts';

export type NewPartner = Pick<
  CspPartner,
  'slug' | 'partnerTenantId' | 'clientId' | 'clientSecretSealed' | 'accountId' | 'loginUrl' | 'partnerCenterUrl' | 'graphUrl' | 'resellerIds' | 'includeSubResellers'
> & { readonly id?: string; readonly isDefault: boolean };

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
 * Stores a refresh token Entra just issued (consent, set-refresh-token, or a rotation), sealed,
 * and marks the token valid. `replacing` is the sealed token that was redeemed to get it: the
 * update only happens while that is still the stored one (compare-and-set), so of two nodes
 * rotating at once, the one that lost does not overwrite the newer token. Returns whether it stored.
 */
export async function storeRefreshToken(
  db: Db,
  partnerId: string,
  token: { sealed: string; replacing?: string | null; consentUpn?: string | null; obtained: boolean },
  now: Date = new Date(),
): Promise<boolean> {
  const at = now.toISOString();
  let query = db
    .updateTable('cspPartners')
    .set({
      refreshTokenSealed: token.sealed,
      refreshTokenLastUsedAt: at,
      ...(token.obtained ? { refreshTokenObtainedAt: at, refreshTokenRotatedAt: null } : { refreshTokenRotatedAt: at }),
      ...(token.consentUpn !== undefined ? { consentUpn: token.consentUpn } : {}),
      tokenState: 'valid',
      tokenErrorCode: null,
      tokenErrorMessage: null,
      updatedAt: at,
    })
    .where('id', '=', partnerId);
  if (token.replacing !== undefined) query = token.replacing === null ? query.where('refreshTokenSealed', 'is', null) : query.where('refreshTokenSealed', '=', token.replacing);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records why the partner's stored token does not work (expired, revoked, …) with the code to
 * quote, only while `redeemed` is still the stored token (compare-and-set): a node whose redemption
 * lost a race with another node's rotation must not mark, or drop, the newer token. `dropToken`:
 * Entra called the token dead, so it is removed. Returns whether it recorded.
 */
export async function recordTokenFailure(
  db: Db,
  partnerId: string,
  failure: { state: StoredTokenState; code: string; message: string; dropToken: boolean; redeemed: string },
  now: Date = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('cspPartners')
    .set({
      tokenState: failure.state,
      tokenErrorCode: failure.code,
      tokenErrorMessage: failure.message,
      ...(failure.dropToken ? { refreshTokenSealed: null } : {}),
      updatedAt: now.toISOString(),
    })
    .where('id', '=', partnerId)
    .where('refreshTokenSealed', '=', failure.redeemed)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
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
    .where('refreshTokenSealed', 'is not', null)
    .where('refreshTokenLastUsedAt', '<', usedBefore.toISOString())
    .orderBy('slug')
    .execute();
}
