import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config.ts';
import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { LanyardError } from '../../core/errors.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import { findPartnerBySlug, holdsRefreshToken, insertPartner, listPartners } from '../data/partners.ts';
import type { CspPartner } from '../data/tables.ts';
import { adminEmailsColumn, licenceCapColumn, resellerIdsColumn, secretExpiryColumn } from './partner-settings.ts';

export interface PartnerAdminDeps {
  readonly db: Db;
  readonly masterKey: Buffer;
  readonly config: Pick<Config, 'microsoftLoginUrl' | 'partnerCenterUrl' | 'graphUrl'>;
}

/** What `csp partner show` and `list` print: everything but the secrets (only whether a token is held). */
export interface PartnerView {
  readonly partner: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly accountId: string | null;
  readonly endpoints: { readonly login: string; readonly partnerCenter: string; readonly graph: string };
  readonly licenceCapPerCustomer: number | null;
  readonly resellerIds: readonly string[];
  readonly includeSubResellers: boolean;
  readonly isDefault: boolean;
  readonly tokenStorage: 'database' | 'key-vault';
  readonly hasRefreshToken: boolean;
  readonly consentUpn: string | null;
  readonly refreshTokenObtainedAt: string | null;
  readonly refreshTokenLastUsedAt: string | null;
  readonly refreshTokenRotatedAt: string | null;
  /** Key Vault storage: the secret's URL (the token itself is never shown). */
  readonly keyVaultSecretUrl: string | null;
  readonly adminEmails: readonly string[];
  readonly clientSecretExpiresAt: string | null;
  readonly createdAt: string;
}

export interface NewPartnerInput {
  readonly partner: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accountId?: string;
  /** Comma-separated, as typed after --resellers. */
  readonly resellers?: string;
  readonly isDefault: boolean;
  /** Comma-separated, as typed after --admin-emails: who is mailed when the token needs attention. */
  readonly adminEmails?: string;
  /** As typed after --client-secret-expires. */
  readonly clientSecretExpires?: string;
  readonly licenceCap?: string;
  readonly includeSubResellers?: boolean;
}

const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const tenantDomainPattern = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
// Partner Center account ids are MPN numbers or GUIDs.
const accountIdPattern = /^(?:\d{1,12}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The secret-box contexts: a sealed value opens only in its own partner's own column. */
export const partnerSecretContext = (partnerId: string) => `csp-partner-secret:${partnerId}`;
export const partnerRefreshTokenContext = (partnerId: string) => `csp-partner-refresh-token:${partnerId}`;

/**
 * Registers a CSP partner's app registration. The endpoints are the configured Microsoft ones at
 * the time (an emulator run configures the emulator's); consent comes after, with `partner consent`.
 *
 * @example
 *   await addPartner(context, { partner: 'contoso-csp', tenantId, clientId, clientSecret, isDefault: true }, 'cli');
 */
export async function addPartner(deps: PartnerAdminDeps, input: NewPartnerInput, actor: string): Promise<PartnerView> {
  const slug = input.partner.trim().toLowerCase();
  if (!slugPattern.test(slug)) throw new LanyardError('CSP_PARTNER_NAME_INVALID', 'the partner name must be 1-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen');
  const tenantId = input.tenantId.trim();
  const clientId = input.clientId.trim();
  if (!guidPattern.test(tenantId) && !tenantDomainPattern.test(tenantId)) throw new LanyardError('TENANT_ID_INVALID', '--tenant-id must be the partner tenant GUID or its domain name');
  if (!guidPattern.test(clientId)) throw new LanyardError('CLIENT_ID_INVALID', '--client-id must be the application (client) GUID');
  const accountId = input.accountId?.trim();
  if (accountId !== undefined && !accountIdPattern.test(accountId)) throw new LanyardError('CSP_ACCOUNT_ID_INVALID', '--account-id must be the Partner Center account id (MPN number or GUID)');
  const resellerIds = resellerIdsColumn(input.resellers ?? '');
  const adminEmails = adminEmailsColumn(input.adminEmails ?? '');
  const clientSecretExpiresAt = secretExpiryColumn(input.clientSecretExpires ?? '');
  const licenceCap = input.licenceCap !== undefined ? licenceCapColumn(input.licenceCap) : -1;
  const id = randomUUID();
  const saved = await insertPartner(deps.db, {
    id,
    slug,
    partnerTenantId: tenantId,
    clientId,
    clientSecretSealed: createSecretBox(deps.masterKey).seal(input.clientSecret, partnerSecretContext(id)),
    accountId: accountId ?? null,
    loginUrl: deps.config.microsoftLoginUrl,
    partnerCenterUrl: deps.config.partnerCenterUrl,
    graphUrl: deps.config.graphUrl,
    resellerIds,
    includeSubResellers: input.includeSubResellers ? 1 : 0,
    adminEmails,
    clientSecretExpiresAt,
    licenceCapPerCustomer: licenceCap,
    isDefault: input.isDefault,
  });
  if (!saved) throw new LanyardError('CSP_PARTNER_EXISTS', `a partner named "${slug}" already exists`);
  await recordAuditEvent(deps.db, { actor, action: 'csp.partner.add', target: slug, outcome: 'success', details: { tenantId, clientId, isDefault: input.isDefault } });
  return partnerView(saved);
}

export async function requirePartner(db: Db, name: string): Promise<CspPartner> {
  const partner = await findPartnerBySlug(db, name.trim().toLowerCase());
  if (!partner) throw new LanyardError('CSP_PARTNER_NOT_FOUND', `no CSP partner named "${name}"; see \`lanyard csp partner list\``);
  return partner;
}

export async function showPartner(db: Db, name: string): Promise<PartnerView> {
  return partnerView(await requirePartner(db, name));
}

export async function listPartnerViews(db: Db): Promise<PartnerView[]> {
  return (await listPartners(db)).map(partnerView);
}

export function partnerView(partner: CspPartner): PartnerView {
  return {
    partner: partner.slug,
    tenantId: partner.partnerTenantId,
    clientId: partner.clientId,
    accountId: partner.accountId,
    endpoints: { login: partner.loginUrl, partnerCenter: partner.partnerCenterUrl, graph: partner.graphUrl },
    licenceCapPerCustomer: partner.licenceCapPerCustomer < 0 ? null : partner.licenceCapPerCustomer,
    resellerIds: JSON.parse(partner.resellerIds) as string[],
    includeSubResellers: partner.includeSubResellers === 1,
    isDefault: partner.isDefault === 1,
    tokenStorage: partner.tokenStorage,
    hasRefreshToken: holdsRefreshToken(partner),
    consentUpn: partner.consentUpn,
    refreshTokenObtainedAt: partner.refreshTokenObtainedAt,
    refreshTokenLastUsedAt: partner.refreshTokenLastUsedAt,
    refreshTokenRotatedAt: partner.refreshTokenRotatedAt,
    keyVaultSecretUrl: partner.keyVaultSecretUrl,
    adminEmails: JSON.parse(partner.adminEmails) as string[],
    clientSecretExpiresAt: partner.clientSecretExpiresAt,
    createdAt: partner.createdAt,
  };
}
