import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { countPartnerCustomers, deletePartnerWithoutCustomers, updatePartner, type PartnerChanges } from '../data/partners.ts';
import { KeyVaultClient } from '../tokens/key-vault-client.ts';
import { keyVaultAccess } from '../tokens/token-storage.ts';
import { partnerSecretContext, partnerView, requirePartner, type PartnerView } from './partner-admin.ts';
import { adminEmailsColumn, endpointColumn, licenceCapColumn, resellerIdsColumn, secretExpiryColumn } from './partner-settings.ts';

export interface PartnerChangeDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
}

/** What `csp partner change` may change, as typed (undefined: unchanged). */
export interface PartnerChangeInput {
  readonly clientSecret?: string;
  readonly clientSecretExpires?: string;
  readonly licenceCap?: string;
  readonly resellers?: string;
  readonly includeSubResellers?: boolean;
  readonly isDefault?: boolean;
  readonly adminEmails?: string;
  readonly loginUrl?: string;
  readonly partnerCenterUrl?: string;
  readonly graphUrl?: string;
}

/**
 * `csp partner change`: every setting is checked before anything is written, then all are written
 * in one transaction (a bad one leaves the partner as it was). The audit event names the settings
 * changed, never the secret. A new client secret applies to the next token request; the stored
 * refresh token stays valid (it belongs to the app, not to one of its secrets).
 */
export async function changePartner(deps: PartnerChangeDeps, name: string, input: PartnerChangeInput, actor: string, now: Date = new Date()): Promise<PartnerView> {
  const partner = await requirePartner(deps.db, name);
  const changes: { -readonly [K in keyof PartnerChanges]: PartnerChanges[K] } = {};
  if (input.clientSecret !== undefined) {
    if (input.clientSecret.length === 0) throw new LanyardError('USAGE', 'the new client secret is read from standard input; it was empty');
    changes.clientSecretSealed = deps.secretBox.seal(input.clientSecret, partnerSecretContext(partner.id));
  }
  if (input.clientSecretExpires !== undefined) changes.clientSecretExpiresAt = secretExpiryColumn(input.clientSecretExpires);
  if (input.licenceCap !== undefined) changes.licenceCapPerCustomer = licenceCapColumn(input.licenceCap);
  if (input.resellers !== undefined) changes.resellerIds = resellerIdsColumn(input.resellers);
  if (input.includeSubResellers !== undefined) changes.includeSubResellers = input.includeSubResellers ? 1 : 0;
  if (input.adminEmails !== undefined) changes.adminEmails = adminEmailsColumn(input.adminEmails);
  if (input.loginUrl !== undefined) changes.loginUrl = endpointColumn('login-url', input.loginUrl);
  if (input.partnerCenterUrl !== undefined) changes.partnerCenterUrl = endpointColumn('partner-center-url', input.partnerCenterUrl);
  if (input.graphUrl !== undefined) changes.graphUrl = endpointColumn('graph-url', input.graphUrl);
  if (input.isDefault !== undefined) changes.isDefault = input.isDefault;
  const changed = Object.keys(changes).map((key) => (key === 'clientSecretSealed' ? 'clientSecret' : key));
  if (changed.length === 0) throw new LanyardError('USAGE', 'nothing to change: give at least one option (see `lanyard csp partner change --help`)');
  const saved = await updatePartner(deps.db, partner.id, changes, now);
  if (!saved) throw new LanyardError('CSP_PARTNER_NOT_FOUND', `no CSP partner named "${name}"; see \`lanyard csp partner list\``);
  await recordAuditEvent(deps.db, { actor, action: 'csp.partner.change', target: partner.slug, outcome: 'success', details: { changed } }, now);
  return partnerView(saved);
}

/**
 * `csp partner remove`: refused with CSP_PARTNER_HAS_CUSTOMERS while the partner has customers
 * (their subscriptions and billing go through it; there is no --force, because deleting customers
 * would lose what Lanyard knows about their orders). Deletes the partner in one statement that
 * re-checks for customers, then deletes its token secret from Key Vault when it lived there.
 */
export async function removePartner(deps: PartnerChangeDeps, name: string, actor: string, now: Date = new Date()): Promise<{ partner: string; removed: true; leftBehind: string | null }> {
  const partner = await requirePartner(deps.db, name);
  const outcome = await deletePartnerWithoutCustomers(deps.db, partner.id);
  if (outcome === 'has-customers') {
    const customers = await countPartnerCustomers(deps.db, partner.id);
    await recordAuditEvent(deps.db, { actor, action: 'csp.partner.remove', target: partner.slug, outcome: 'failure', reason: 'CSP_PARTNER_HAS_CUSTOMERS', details: { customers } }, now);
    throw new LanyardError('CSP_PARTNER_HAS_CUSTOMERS', `partner "${partner.slug}" still has ${customers} customer(s) in Lanyard; their subscriptions and billing go through it. Remove or move those customers first.`, { customers });
  }
  if (outcome === 'gone') throw new LanyardError('CSP_PARTNER_NOT_FOUND', `no CSP partner named "${name}"; see \`lanyard csp partner list\``);
  let leftBehind: string | null = null;
  if (partner.tokenStorage === 'key-vault' && partner.keyVaultSecretUrl) {
    try {
      await new KeyVaultClient(keyVaultAccess(deps.secretBox, partner)).delete();
    } catch (error) {
      leftBehind = `the refresh token is still in ${partner.keyVaultSecretUrl}: ${error instanceof Error ? error.message : String(error)} Delete that secret by hand.`;
    }
  }
  await recordAuditEvent(deps.db, { actor, action: 'csp.partner.remove', target: partner.slug, outcome: 'success', details: { tokenStorage: partner.tokenStorage, leftBehind: leftBehind !== null } }, now);
  return { partner: partner.slug, removed: true, leftBehind };
}
