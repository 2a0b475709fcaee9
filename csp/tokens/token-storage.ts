import { createHash } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { recordTokenFailure, storeRefreshToken } from '../data/partners.ts';
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
 * Where a partner's refresh token is read and written: the one storage configured for it. Every
 * token read and write (consent, set-refresh-token, refresh, the renewal job, Partner Center
 * access tokens) goes through this, so a token rotated on use is written back where it was read.
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

/** The store of `partner` as it is configured now. */
export function tokenStoreFor(deps: TokenStorageDeps, partner: CspPartner): TokenStore {
  return partner.tokenStorage === 'key-vault' ? keyVaultStore(deps, partner) : databaseStore(deps, partner);
}

/** The token sealed in `csp_partners.refresh_token_sealed` under the master key. */
function databaseStore(deps: TokenStorageDeps, partner: CspPartner): TokenStore {
  const context = partnerRefreshTokenContext(partner.id);
  return {
    async read() {
      if (!partner.refreshTokenSealed) return null;
      return { token: deps.secretBox.open(partner.refreshTokenSealed, context).toString('utf8'), handle: { storage: 'database', sealed: partner.refreshTokenSealed } };
    },
    async write(token, write, now) {
      const replacing = write.replacing === undefined ? undefined : write.replacing === null ? null : write.replacing.storage === 'database' ? write.replacing.sealed : '';
      return storeRefreshToken(deps.db, partner.id, { sealed: deps.secretBox.seal(token, context), hash: tokenHash(token), replacing, obtained: write.obtained, ...(write.consentUpn !== undefined ? { consentUpn: write.consentUpn } : {}) }, now);
    },
    async recordFailure(redeemed, failure, now) {
      if (redeemed.storage !== 'database') return false;
      return recordTokenFailure(deps.db, partner.id, { ...failure, redeemed: redeemed.sealed }, now);
    },
  };
}

/**
 * The token as a Key Vault secret, one version per token. Lanyard reads the version it recorded
 * (not "the current one": a version someone else wrote is not silently used). A rotation writes a
 * new version, then records it by compare-and-set on the version redeemed; the winner disables the
 * old version and a loser its own, so a spent token is never read again, by Lanyard or anyone.
 */
function keyVaultStore(deps: TokenStorageDeps, partner: CspPartner): TokenStore {
  let client: KeyVaultClient | undefined;
  // One client (and so one Key Vault token) for the operations of this store: read, write, disable.
  const vault = () => (client ??= new KeyVaultClient(keyVaultAccess(deps.secretBox, partner)));
  const disableQuietly = async (version: string) => {
    // The token is already spent or superseded; a vault that refuses the update leaves a dead value behind, nothing worse.
    await vault().disable(version).catch(() => undefined);
  };
  return {
    async read() {
      if (!partner.keyVaultSecretVersion) return null;
      const secret = await vault().get(partner.keyVaultSecretVersion);
      return { token: secret.value, handle: { storage: 'key-vault', version: secret.version } };
    },
    async write(token, write, now) {
      const { version } = await vault().set(token, { 'lanyard-partner': partner.slug });
      const replacingVersion = write.replacing === undefined ? undefined : write.replacing === null ? null : write.replacing.storage === 'key-vault' ? write.replacing.version : '';
      const stored = await storeRefreshToken(
        deps.db,
        partner.id,
        { sealed: null, keyVaultVersion: version, hash: tokenHash(token), replacingVersion, obtained: write.obtained, ...(write.consentUpn !== undefined ? { consentUpn: write.consentUpn } : {}) },
        now,
      );
      if (!stored) await disableQuietly(version);
      else {
        const previous = write.replacing?.storage === 'key-vault' ? write.replacing.version : write.replacing === undefined ? partner.keyVaultSecretVersion : null;
        if (previous && previous !== version) await disableQuietly(previous);
      }
      return stored;
    },
    async recordFailure(redeemed, failure, now) {
      if (redeemed.storage !== 'key-vault') return false;
      const recorded = await recordTokenFailure(deps.db, partner.id, { ...failure, redeemedVersion: redeemed.version }, now);
      if (recorded && failure.dropToken) await disableQuietly(redeemed.version);
      return recorded;
    },
  };
}
