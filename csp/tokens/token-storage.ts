import { createHash } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { recordTokenFailure, storeRefreshToken } from '../data/partners.ts';
import type { RefreshTokenWrite } from '../data/customer-tokens.ts';
import type { CspPartner, StoredTokenState } from '../data/tables.ts';
import { partnerRefreshTokenContext } from '../partners/partner-admin.ts';
import { KeyVaultClient, type KeyVaultAccess } from './key-vault-client.ts';

export interface TokenStorageDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
}

/**
 * Which stored token a value is: the sealed value (database storage) or the Key Vault secret
 * version (Key Vault storage). A write or a failure names the handle of the token it redeemed, and
 * happens only while that is still the stored one (compare-and-set in csp/data/partners.ts).
 */
export type TokenHandle = { readonly storage: 'database'; readonly sealed: string } | { readonly storage: 'key-vault'; readonly version: string };

export interface StoredToken {
  readonly token: string;
  readonly handle: TokenHandle;
}

export interface TokenWrite {
  /** The handle of the token redeemed to get this one; null: none was stored; undefined: store regardless (consent, set-refresh-token). */
  readonly replacing: TokenHandle | null | undefined;
  readonly obtained: boolean;
  readonly consentUpn?: string | null;
}

export interface TokenFailure {
  readonly state: StoredTokenState;
  readonly code: string;
  readonly message: string;
  readonly dropToken: boolean;
}

/**
 * Where a refresh token is read and written: the one storage configured for it. A partner's token
 * and a customer's own token (csp/tokens/customer-tokens.ts) are both kept through this. Every
 * token read and write (consent, set-refresh-token, refresh, the renewal job, Partner Center and
 * Graph access tokens) goes through it, so a token rotated on use is written back where it was read.
 */
export interface TokenStore {
  read(): Promise<StoredToken | null>;
  /** Stores a token Entra just issued; false when another writer's token replaced the one redeemed. */
  write(token: string, write: TokenWrite, now: Date): Promise<boolean>;
  /** Records why the token `redeemed` does not work (and drops it when Entra called it dead). */
  recordFailure(redeemed: TokenHandle, failure: TokenFailure, now: Date): Promise<boolean>;
}

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');
export const keyVaultSecretContext = (partnerId: string) => `csp-key-vault-secret:${partnerId}`;

/** The Key Vault access of a partner whose token lives there. */
export function keyVaultAccess(secretBox: SecretBox, partner: CspPartner): KeyVaultAccess {
  if (!partner.keyVaultSecretUrl || !partner.keyVaultTenantId || !partner.keyVaultClientId || !partner.keyVaultClientSecretSealed) {
    throw new Error(`partner ${partner.slug} is set to Key Vault storage without its Key Vault access`);
  }
  return {
    secretUrl: partner.keyVaultSecretUrl,
    loginUrl: partner.loginUrl,
    tenantId: partner.keyVaultTenantId,
    clientId: partner.keyVaultClientId,
    clientSecret: secretBox.open(partner.keyVaultClientSecretSealed, keyVaultSecretContext(partner.id)).toString('utf8'),
  };
}

/**
 * The row that holds one token (a partner's, or a customer's own) as the store sees it: where the
 * token lives, its current handle, its sealing context, its Key Vault access, and the row's
 * compare-and-set writes. The two storages below work on a slot, so partner and customer tokens
 * share one mechanism.
 */
export interface TokenSlot {
  readonly storage: 'database' | 'key-vault';
  readonly sealed: string | null;
  readonly keyVaultVersion: string | null;
  /** The master-key context the token is sealed under in database storage. */
  readonly sealingContext: string;
  readonly keyVault: () => KeyVaultAccess;
  /** Tags on the Key Vault versions written (who the token belongs to). */
  readonly tags: Readonly<Record<string, string>>;
  store(token: RefreshTokenWrite, now: Date): Promise<boolean>;
  recordFailure(failure: TokenFailure & { redeemed?: string; redeemedVersion?: string }, now: Date): Promise<boolean>;
}

/** The slot of a partner's token: the token columns of its csp_partners row. */
export function partnerTokenSlot(deps: TokenStorageDeps, partner: CspPartner): TokenSlot {
  return {
    storage: partner.tokenStorage,
    sealed: partner.refreshTokenSealed,
    keyVaultVersion: partner.keyVaultSecretVersion,
    sealingContext: partnerRefreshTokenContext(partner.id),
    keyVault: () => keyVaultAccess(deps.secretBox, partner),
    tags: { 'lanyard-partner': partner.slug },
    store: (token, now) => storeRefreshToken(deps.db, partner.id, token, now),
    recordFailure: (failure, now) => recordTokenFailure(deps.db, partner.id, failure, now),
  };
}

/** The store of `partner` as it is configured now. */
export function tokenStoreFor(deps: TokenStorageDeps, partner: CspPartner): TokenStore {
  return storeOfSlot(deps, partnerTokenSlot(deps, partner));
}

/** The store of a token slot, in the storage the slot names. */
export function storeOfSlot(deps: TokenStorageDeps, slot: TokenSlot): TokenStore {
  return slot.storage === 'key-vault' ? keyVaultStore(slot) : databaseStore(deps, slot);
}

/** The token sealed in its row under the master key. */
function databaseStore(deps: TokenStorageDeps, slot: TokenSlot): TokenStore {
  const context = slot.sealingContext;
  return {
    async read() {
      if (!slot.sealed) return null;
      return { token: deps.secretBox.open(slot.sealed, context).toString('utf8'), handle: { storage: 'database', sealed: slot.sealed } };
    },
    async write(token, write, now) {
      const replacing = write.replacing === undefined ? undefined : write.replacing === null ? null : write.replacing.storage === 'database' ? write.replacing.sealed : '';
      return slot.store({ sealed: deps.secretBox.seal(token, context), hash: tokenHash(token), replacing, obtained: write.obtained, ...(write.consentUpn !== undefined ? { consentUpn: write.consentUpn } : {}) }, now);
    },
    async recordFailure(redeemed, failure, now) {
      if (redeemed.storage !== 'database') return false;
      return slot.recordFailure({ ...failure, redeemed: redeemed.sealed }, now);
    },
  };
}

/**
 * The token as a Key Vault secret, one version per token. Lanyard reads the version it recorded
 * (not "the current one": a version someone else wrote is not silently used). A rotation writes a
 * new version, then records it by compare-and-set on the version redeemed; the winner disables the
 * old version and a loser its own, so a spent token is never read again, by Lanyard or anyone.
 */
function keyVaultStore(slot: TokenSlot): TokenStore {
  let client: KeyVaultClient | undefined;
  // One client (and so one Key Vault token) for the operations of this store: read, write, disable.
  const vault = () => (client ??= new KeyVaultClient(slot.keyVault()));
  const disableQuietly = async (version: string) => {
    // The token is already spent or superseded; a vault that refuses the update leaves a dead value behind, nothing worse.
    await vault().disable(version).catch(() => undefined);
  };
  return {
    async read() {
      if (!slot.keyVaultVersion) return null;
      const secret = await vault().get(slot.keyVaultVersion);
      return { token: secret.value, handle: { storage: 'key-vault', version: secret.version } };
    },
    async write(token, write, now) {
      const { version } = await vault().set(token, { ...slot.tags });
      const replacingVersion = write.replacing === undefined ? undefined : write.replacing === null ? null : write.replacing.storage === 'key-vault' ? write.replacing.version : '';
      const stored = await slot.store(
        { sealed: null, keyVaultVersion: version, hash: tokenHash(token), replacingVersion, obtained: write.obtained, ...(write.consentUpn !== undefined ? { consentUpn: write.consentUpn } : {}) },
        now,
      );
      if (!stored) await disableQuietly(version);
      else {
        const previous = write.replacing?.storage === 'key-vault' ? write.replacing.version : write.replacing === undefined ? slot.keyVaultVersion : null;
        if (previous && previous !== version) await disableQuietly(previous);
      }
      return stored;
    },
    async recordFailure(redeemed, failure, now) {
      if (redeemed.storage !== 'key-vault') return false;
      const recorded = await slot.recordFailure({ ...failure, redeemedVersion: redeemed.version }, now);
      if (recorded && failure.dropToken) await disableQuietly(redeemed.version);
      return recorded;
    },
  };
}
