import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { moveTokenStorage } from '../data/partners.ts';
import type { CspPartner } from '../data/tables.ts';
import { KeyVaultClient, parseSecretUrl, type KeyVaultAccess } from '../tokens/key-vault-client.ts';
import { keyVaultAccess, keyVaultSecretContext, tokenHash, tokenStoreFor, type StoredToken } from '../tokens/token-storage.ts';
import { guidPattern, partnerRefreshTokenContext, requirePartner, showPartner, tenantDomainPattern, type PartnerView } from './partner-admin.ts';

export interface StorageDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
}

export interface KeyVaultInput {
  readonly secretUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface StorageMove {
  readonly partner: PartnerView;
  /** Whether a token was moved (false: none was held; the next consent writes to the new place). */
  readonly movedToken: boolean;
  /** Set when the token could not be removed from the old place: the reason, to remove it by hand. */
  readonly leftBehind: string | null;
}

/**
 * `csp partner use-key-vault`: from now on the partner's refresh token lives in the Key Vault
 * secret `secretUrl`, read and written as the given Key Vault app (its secret sealed in Lanyard's
 * database). The current token is written to the vault as a new version first, then the storage
 * switches by compare-and-set on the token read (a rotation meanwhile: CSP_TOKEN_STORAGE_CHANGED,
 * the version written is disabled, nothing moved), and the token is removed from the old place.
 * With no token held, the Key Vault access is proven by reading the secret (absent is fine).
 */
export async function useKeyVault(deps: StorageDeps, name: string, input: KeyVaultInput, actor: string, now: Date = new Date()): Promise<StorageMove> {
  const partner = await requirePartner(deps.db, name);
  const secretUrl = input.secretUrl.trim();
  parseSecretUrl(secretUrl);
  const tenantId = input.tenantId.trim();
  const clientId = input.clientId.trim();
  if (!guidPattern.test(tenantId) && !tenantDomainPattern.test(tenantId)) throw new LanyardError('TENANT_ID_INVALID', "--tenant-id must be the Key Vault app's tenant GUID or its domain name");
  if (!guidPattern.test(clientId)) throw new LanyardError('CLIENT_ID_INVALID', "--client-id must be the Key Vault app's application (client) GUID");
  if (input.clientSecret.length === 0) throw new LanyardError('USAGE', "the Key Vault app's client secret is read from standard input; it was empty");
  const access: KeyVaultAccess = { secretUrl, loginUrl: partner.loginUrl, tenantId, clientId, clientSecret: input.clientSecret };
  const vault = new KeyVaultClient(access);

  const current = await tokenStoreFor(deps, partner).read();
  let version: string | null = null;
  if (current) version = (await vault.set(current.token, { 'lanyard-partner': partner.slug })).version;
  else await vault.get().catch((error: unknown) => {
    if (!(isLanyardError(error) && (error.details as { status?: unknown } | undefined)?.status === 404)) throw error;
  });

  const moved = await moveTokenStorage(
    deps.db,
    partner.id,
    { storage: partner.tokenStorage, handle: handleOf(current) },
    { storage: 'key-vault', secretUrl, tenantId, clientId, clientSecretSealed: deps.secretBox.seal(input.clientSecret, keyVaultSecretContext(partner.id)), version },
    current ? tokenHash(current.token) : null,
    now,
  );
  if (!moved) {
    if (version) await vault.disable(version).catch(() => undefined);
    throw storageChanged(partner);
  }
  const leftBehind = partner.tokenStorage === 'key-vault' && current ? await removeFromVault(deps, partner, secretUrl === partner.keyVaultSecretUrl ? current : undefined) : null;
  await recordAuditEvent(deps.db, { actor, action: 'csp.partner.use-key-vault', target: partner.slug, outcome: 'success', details: { secretUrl, tenantId, clientId, movedToken: current !== null, from: partner.tokenStorage } }, now);
  return { partner: await showPartner(deps.db, partner.slug), movedToken: current !== null, leftBehind };
}

/**
 * `csp partner use-database`: the token moves back into Lanyard's database (sealed), by
 * compare-and-set on the Key Vault version read, and the secret is deleted from the vault. The
 * Key Vault access is forgotten. Already in the database: nothing changes.
 */
export async function useDatabase(deps: StorageDeps, name: string, actor: string, now: Date = new Date()): Promise<StorageMove> {
  const partner = await requirePartner(deps.db, name);
  if (partner.tokenStorage === 'database') return { partner: await showPartner(deps.db, partner.slug), movedToken: false, leftBehind: null };
  const current = await tokenStoreFor(deps, partner).read();
  const sealed = current ? deps.secretBox.seal(current.token, partnerRefreshTokenContext(partner.id)) : null;
  const moved = await moveTokenStorage(deps.db, partner.id, { storage: 'key-vault', handle: handleOf(current) }, { storage: 'database', sealed }, current ? tokenHash(current.token) : null, now);
  if (!moved) throw storageChanged(partner);
  const leftBehind = await removeFromVault(deps, partner, undefined);
  await recordAuditEvent(deps.db, { actor, action: 'csp.partner.use-database', target: partner.slug, outcome: 'success', details: { from: partner.keyVaultSecretUrl, movedToken: current !== null, leftBehind } }, now);
  return { partner: await showPartner(deps.db, partner.slug), movedToken: current !== null, leftBehind };
}

const handleOf = (stored: StoredToken | null): string | null => (stored === null ? null : stored.handle.storage === 'database' ? stored.handle.sealed : stored.handle.version);

const storageChanged = (partner: CspPartner) =>
  new LanyardError('CSP_TOKEN_STORAGE_CHANGED', `the refresh token of "${partner.slug}" was rotated (or its storage changed) while it was being moved; nothing moved. Run the command again.`);

/**
 * Removes the token from the partner's old vault: the whole secret (it holds only this partner's
 * token), or, when the new place is the same secret, just the old version (disabled). A vault that
 * refuses leaves the old, now unused, token there: reported, not fatal, since the move is done.
 */
async function removeFromVault(deps: StorageDeps, before: CspPartner, sameSecret: StoredToken | undefined): Promise<string | null> {
  const vault = new KeyVaultClient(keyVaultAccess(deps.secretBox, before));
  try {
    if (sameSecret && sameSecret.handle.storage === 'key-vault') await vault.disable(sameSecret.handle.version);
    else await vault.delete();
    return null;
  } catch (error) {
    return `the token is still in ${before.keyVaultSecretUrl}: ${error instanceof Error ? error.message : String(error)} Delete that secret by hand.`;
  }
}
