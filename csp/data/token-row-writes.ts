import type { Db } from '../../core/db/database.ts';
import type { StoredTokenState } from './tables.ts';

/**
 * The token columns a partner row (cspPartners, 0011/0014) and a customer's token row
 * (cspCustomerTokens, 0025) share, and the two compare-and-set writes both make on them. Kysely
 * cannot type one query over either table, so the queries are written against the partners' table
 * and the customers' is named through the same columns.
 */
export type TokenRow = { readonly table: 'cspPartners'; readonly id: string } | { readonly table: 'cspCustomerTokens'; readonly customerId: string };

export interface IssuedToken {
  readonly sealed: string | null;
  readonly keyVaultVersion?: string | undefined;
  /** SHA-256 (hex) of the token. */
  readonly hash?: string | undefined;
  /** The sealed token / Key Vault version redeemed to get this one (compare-and-set); undefined: not checked. */
  readonly replacing?: string | null | undefined;
  readonly replacingVersion?: string | null | undefined;
  readonly consentUpn?: string | null | undefined;
  readonly obtained: boolean;
}

export interface TokenFailure {
  readonly state: StoredTokenState;
  readonly code: string;
  readonly message: string;
  readonly dropToken: boolean;
  readonly redeemed?: string;
  readonly redeemedVersion?: string;
}

/** The columns of a token Entra just issued: held, valid, used now. */
export function issuedTokenValues(token: IssuedToken, at: string) {
  const inKeyVault = token.keyVaultVersion !== undefined;
  return {
    refreshTokenSealed: inKeyVault ? null : token.sealed,
    keyVaultSecretVersion: inKeyVault ? token.keyVaultVersion! : null,
    refreshTokenHash: token.hash ?? null,
    refreshTokenLastUsedAt: at,
    ...(token.obtained ? { refreshTokenObtainedAt: at, refreshTokenRotatedAt: null } : { refreshTokenRotatedAt: at }),
    ...(token.consentUpn !== undefined ? { consentUpn: token.consentUpn } : {}),
    tokenState: 'valid' as const,
    tokenErrorCode: null,
    tokenErrorMessage: null,
    // A working token again: whatever the admins were told is over, the next trouble is news.
    notifiedState: null,
    updatedAt: at,
  };
}

function updateRow(db: Db, row: TokenRow) {
  return row.table === 'cspPartners'
    ? db.updateTable('cspPartners').where('id', '=', row.id)
    : (db.updateTable('cspCustomerTokens' as 'cspPartners').where('customerId' as 'id', '=', row.customerId));
}

/**
 * Stores a rotated (or newly consented) token, only while the storage is still the one written to
 * and, when `replacing` / `replacingVersion` are given, while the token redeemed to get it is still
 * the stored one (compare-and-set): of two nodes rotating at once, the one that lost does not
 * overwrite the newer token. Returns whether it stored.
 */
export async function storeIssuedToken(db: Db, row: TokenRow, token: IssuedToken, now: Date): Promise<boolean> {
  let query = updateRow(db, row)
    .set(issuedTokenValues(token, now.toISOString()))
    .where('tokenStorage', '=', token.keyVaultVersion !== undefined ? 'key-vault' : 'database');
  if (token.replacing !== undefined) query = token.replacing === null ? query.where('refreshTokenSealed', 'is', null) : query.where('refreshTokenSealed', '=', token.replacing);
  if (token.replacingVersion !== undefined) query = token.replacingVersion === null ? query.where('keyVaultSecretVersion', 'is', null) : query.where('keyVaultSecretVersion', '=', token.replacingVersion);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records why the stored token does not work (expired, revoked, …) with the code to quote, only
 * while `redeemed` (database: the sealed token) or `redeemedVersion` (Key Vault: the secret version)
 * is still the stored token (compare-and-set): a node whose redemption lost a race with another
 * node's rotation must not mark, or drop, the newer token. `dropToken`: Entra called the token dead,
 * so it is removed (the reference to it, in Key Vault storage). Returns whether it recorded.
 */
export async function recordFailureOfToken(db: Db, row: TokenRow, failure: TokenFailure, now: Date): Promise<boolean> {
  let query = updateRow(db, row).set({
    tokenState: failure.state,
    tokenErrorCode: failure.code,
    tokenErrorMessage: failure.message,
    ...(failure.dropToken ? { refreshTokenSealed: null, keyVaultSecretVersion: null, refreshTokenHash: null } : {}),
    updatedAt: now.toISOString(),
  });
  if (failure.redeemedVersion !== undefined) query = query.where('tokenStorage', '=', 'key-vault').where('keyVaultSecretVersion', '=', failure.redeemedVersion);
  else if (failure.redeemed !== undefined) query = query.where('tokenStorage', '=', 'database').where('refreshTokenSealed', '=', failure.redeemed);
  else return false;
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
