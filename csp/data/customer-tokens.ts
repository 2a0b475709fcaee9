import type { Db } from '../../core/db/database.ts';
import type { CspCustomerConsent, CspCustomerToken } from './customer-token-tables.ts';
import './customer-token-tables.ts';
import type { StoredTokenState } from './tables.ts';
import { issuedTokenValues, recordFailureOfToken, storeIssuedToken, type IssuedToken, type TokenFailure } from './token-row-writes.ts';

/** Where a consent's token goes: the storage and, in Key Vault, the customer's secret and the vault app (copied from the partner). */
export type CustomerTokenTarget =
  | { readonly storage: 'database' }
  | { readonly storage: 'key-vault'; readonly secretUrl: string; readonly tenantId: string; readonly clientId: string; readonly clientSecretSealed: string };

export interface RefreshTokenWrite extends IssuedToken {
  /** A consent only: where the token goes from now on. */
  readonly target?: CustomerTokenTarget;
}

export async function findCustomerToken(db: Db, customerId: string): Promise<CspCustomerToken | undefined> {
  return db.selectFrom('cspCustomerTokens').selectAll().where('customerId', '=', customerId).executeTakeFirst();
}

/** Whether the customer holds a refresh token of its own, in either storage. */
export const holdsCustomerToken = (row: CspCustomerToken | undefined): row is CspCustomerToken => !!row && (row.refreshTokenSealed !== null || row.keyVaultSecretVersion !== null);

/**
 * Stores a customer's refresh token Entra just issued and marks it valid. A consent (`target` given,
 * `replacing` undefined) creates or replaces the row with its storage; a rotation updates it only
 * while the token redeemed is still the stored one and the storage is the one written to
 * (compare-and-set, as storeRefreshToken does for a partner). Returns whether it stored.
 */
export async function storeCustomerToken(db: Db, customerId: string, token: RefreshTokenWrite, now: Date): Promise<boolean> {
  const at = now.toISOString();
  if (token.target) {
    const values = issuedTokenValues(token, at);
    const keyVault = token.target.storage === 'key-vault' ? token.target : undefined;
    const storage = {
      tokenStorage: token.target.storage,
      keyVaultSecretUrl: keyVault?.secretUrl ?? null,
      keyVaultTenantId: keyVault?.tenantId ?? null,
      keyVaultClientId: keyVault?.clientId ?? null,
      keyVaultClientSecretSealed: keyVault?.clientSecretSealed ?? null,
    };
    await db
      .insertInto('cspCustomerTokens')
      .values({ customerId, ...storage, ...values, createdAt: at })
      .onConflict((conflict) => conflict.column('customerId').doUpdateSet({ ...storage, ...values }))
      .execute();
    return true;
  }
  return storeIssuedToken(db, { table: 'cspCustomerTokens', customerId }, token, now);
}

/** Records why the customer's token does not work, only while `redeemed` / `redeemedVersion` is still the stored one (compare-and-set). */
export async function recordCustomerTokenFailure(db: Db, customerId: string, failure: TokenFailure, now: Date): Promise<boolean> {
  return recordFailureOfToken(db, { table: 'cspCustomerTokens', customerId }, failure, now);
}

/** A consent that stored nothing (without MFA, wrong tenant): the state and code change, a token held stays. */
export async function recordCustomerConsentRefusal(db: Db, customerId: string, failure: { state: StoredTokenState; code: string; message: string }, now: Date): Promise<void> {
  const at = now.toISOString();
  const values = { tokenState: failure.state, tokenErrorCode: failure.code, tokenErrorMessage: failure.message, updatedAt: at };
  await db.insertInto('cspCustomerTokens').values({ customerId, ...values, createdAt: at }).onConflict((conflict) => conflict.column('customerId').doUpdateSet(values)).execute();
}

/** Removes the customer's token row (revoke locally): Lanyard uses the partner's token for it again. */
export async function deleteCustomerToken(db: Db, customerId: string): Promise<CspCustomerToken | undefined> {
  const row = await findCustomerToken(db, customerId);
  if (!row) return undefined;
  const result = await db.deleteFrom('cspCustomerTokens').where('customerId', '=', customerId).where('updatedAt', '=', row.updatedAt).executeTakeFirst();
  return Number(result.numDeletedRows) === 1 ? row : undefined;
}

/** Customers holding a token of their own last used before `usedBefore`: the renewal job's work list. */
export async function listCustomerTokensToRenew(db: Db, usedBefore: Date): Promise<CspCustomerToken[]> {
  return db
    .selectFrom('cspCustomerTokens')
    .selectAll()
    .where((eb) => eb.or([eb('refreshTokenSealed', 'is not', null), eb('keyVaultSecretVersion', 'is not', null)]))
    .where('refreshTokenLastUsedAt', '<', usedBefore.toISOString())
    .orderBy('customerId')
    .execute();
}

export async function listCustomerTokens(db: Db): Promise<CspCustomerToken[]> {
  return db.selectFrom('cspCustomerTokens').selectAll().orderBy('customerId').execute();
}

/** Records the state the partner's admins were told about this customer's token (compare-and-set on the previous one). */
export async function markCustomerNotifiedState(db: Db, customerId: string, previous: string | null, state: string | null, now: Date): Promise<boolean> {
  let query = db.updateTable('cspCustomerTokens').set({ notifiedState: state, notifiedAt: now.toISOString() }).where('customerId', '=', customerId);
  query = previous === null ? query.where('notifiedState', 'is', null) : query.where('notifiedState', '=', previous);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertCustomerConsent(db: Db, invitation: { invitationHash: string; customerId: string; startedBy: string; expiresAt: Date }, now: Date): Promise<void> {
  await db
    .insertInto('cspCustomerConsents')
    .values({ ...invitation, expiresAt: invitation.expiresAt.toISOString(), createdAt: now.toISOString(), completedAt: null, stateHash: null, verifierSealed: null, attemptExpiresAt: null })
    .execute();
}

/** The invitation of a wizard link, while it is neither spent nor expired. */
export async function findOpenCustomerConsent(db: Db, invitationHash: string, now: Date): Promise<CspCustomerConsent | undefined> {
  return db.selectFrom('cspCustomerConsents').selectAll().where('invitationHash', '=', invitationHash).where('completedAt', 'is', null).where('expiresAt', '>', now.toISOString()).executeTakeFirst();
}

/** Starts an attempt at Entra on an open invitation: a new state and verifier replace any earlier attempt's. */
export async function beginCustomerConsentAttempt(db: Db, invitationHash: string, attempt: { stateHash: string; verifierSealed: string; expiresAt: Date }, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('cspCustomerConsents')
    .set({ stateHash: attempt.stateHash, verifierSealed: attempt.verifierSealed, attemptExpiresAt: attempt.expiresAt.toISOString() })
    .where('invitationHash', '=', invitationHash)
    .where('completedAt', 'is', null)
    .where('expiresAt', '>', now.toISOString())
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Takes the attempt of a `state` once (compare-and-set: the state is cleared by the one caller that
 * wins), if neither it nor its invitation expired and the invitation is not spent. Returns the
 * invitation as it was (with the sealed verifier), or undefined.
 */
export async function takeCustomerConsentAttempt(db: Db, stateHash: string, now: Date): Promise<CspCustomerConsent | undefined> {
  const at = now.toISOString();
  const row = await db.selectFrom('cspCustomerConsents').selectAll().where('stateHash', '=', stateHash).executeTakeFirst();
  if (!row) return undefined;
  const taken = await db
    .updateTable('cspCustomerConsents')
    .set({ stateHash: null, verifierSealed: null, attemptExpiresAt: null })
    .where('invitationHash', '=', row.invitationHash)
    .where('stateHash', '=', stateHash)
    .where('completedAt', 'is', null)
    .where('expiresAt', '>', at)
    .where('attemptExpiresAt', '>', at)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1 ? row : undefined;
}

/** The invitation is spent once a consent through it stored a token. */
export async function completeCustomerConsent(db: Db, invitationHash: string, now: Date): Promise<void> {
  await db.updateTable('cspCustomerConsents').set({ completedAt: now.toISOString() }).where('invitationHash', '=', invitationHash).where('completedAt', 'is', null).execute();
}
