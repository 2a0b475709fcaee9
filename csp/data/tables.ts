import type { Generated, Selectable } from 'kysely';

/**
 * Tables of the CSP module: partners and their consent requests (0011), customers (0012), the
 * partner columns for token storage in Key Vault, admin notices and the client secret expiry (0014).
 * The module's part of the one Kysely `Database` type, merged into it here.
 */
declare module '../../core/db/schema.ts' {
  interface Database {
    cspPartners: CspPartnersTable;
    cspConsentRequests: CspConsentRequestsTable;
    cspCustomers: CspCustomersTable;
  }
}

/** What `csp partner status` reports about a partner's delegated refresh token. */
export const tokenStates = ['valid', 'expiring', 'expired', 'revoked', 'mfa-missing', 'no-consent', 'failed'] as const;
export type TokenState = (typeof tokenStates)[number];
/** The states stored; `expiring` is computed from the last use when reported. */
export type StoredTokenState = Exclude<TokenState, 'expiring'>;

export interface CspPartnersTable {
  id: string;
  /** Lower-case name the admin types (`lanyard csp partner … <slug>`). */
  slug: string;
  /** The partner's own Entra tenant (GUID or initial domain). */
  partnerTenantId: string;
  /** Application (client) id of the partner's app registration. */
  clientId: string;
  /** AES-256-GCM under the master key, context `csp-partner-secret:<id>`. */
  clientSecretSealed: string;
  /** Partner Center MPN / account id, when the admin gave it. */
  accountId: string | null;
  /** Microsoft's endpoints by default (config); overridable per partner for the emulator. */
  loginUrl: string;
  partnerCenterUrl: string;
  graphUrl: string;
  /** Most licences one customer may order through Lanyard; -1 unlimited. */
  licenceCapPerCustomer: Generated<number>;
  /** JSON string[]: indirect reseller ids this partner acts for. */
  resellerIds: string;
  includeSubResellers: number;
  /** 1 for the one partner commands use when none is named. */
  isDefault: number;
  /** Where the refresh token lives: `refresh_token_sealed` here, or a Key Vault secret (0014). */
  tokenStorage: Generated<'database' | 'key-vault'>;
  /** AES-256-GCM under the master key, context `csp-partner-refresh-token:<id>`. */
  refreshTokenSealed: string | null;
  refreshTokenObtainedAt: string | null;
  /** Entra revokes a refresh token not used for 90 days: this is what the renewal job watches. */
  refreshTokenLastUsedAt: string | null;
  refreshTokenRotatedAt: string | null;
  /** The partner admin who consented. */
  consentUpn: string | null;
  tokenState: Generated<StoredTokenState>;
  tokenErrorCode: string | null;
  tokenErrorMessage: string | null;
  createdAt: string;
  updatedAt: string;
  /** 0014: `https://{vault}/secrets/{name}` while the token lives in Key Vault. */
  keyVaultSecretUrl: string | null;
  /** The Key Vault app (client credentials) Lanyard reads and writes the secret as. */
  keyVaultTenantId: string | null;
  keyVaultClientId: string | null;
  /** AES-256-GCM under the master key, context `csp-key-vault-secret:<id>`. */
  keyVaultClientSecretSealed: string | null;
  /** The secret version holding the current token: the compare-and-set handle in Key Vault storage. */
  keyVaultSecretVersion: string | null;
  /** SHA-256 (hex) of the current refresh token, wherever it lives. */
  refreshTokenHash: string | null;
  /** JSON string[]: who is mailed when the token needs attention. */
  adminEmails: Generated<string>;
  /** The app's client secret expiry, as the admin recorded it (`--client-secret-expires`). */
  clientSecretExpiresAt: string | null;
  /** The token state the admins were last told about; null while all is well. */
  notifiedState: string | null;
  notifiedAt: string | null;
}

export interface CspConsentRequestsTable {
  /** SHA-256 (hex) of the OAuth `state`; the state itself is only in the browser's URL. */
  stateHash: string;
  partnerId: string;
  /** PKCE code_verifier, sealed with context `csp-consent:<state hash>`. */
  verifierSealed: string;
  /** The admin who started it (`cli:<os user>`); recorded in the audit events. */
  startedBy: string;
  createdAt: string;
  expiresAt: string;
  consumedAt: string | null;
}

export interface CspCustomersTable {
  id: string;
  partnerId: string;
  /** Partner Center's customer id, which is the customer's Entra tenant id. */
  tenantId: string;
  /** The initial `<prefix>.onmicrosoft.com` domain (lower case): how people name the customer. */
  domain: string;
  companyName: string;
  /** ISO 3166 alpha-2 of the billing address. */
  country: string | null;
  email: string | null;
  /** JSON of Partner Center's billing profile (address, contact) as last seen. */
  billingProfile: Generated<string>;
  /** The indirect reseller this customer is sold through, when it is (routes it to that reseller's partner). */
  resellerId: string | null;
  /** The Lanyard organization whose tenant this is, when linked. */
  organizationId: string | null;
  /** 'dap' | 'gdap' once known (issue 12's import finds it out). */
  relationship: string | null;
  source: 'created' | 'imported';
  /** Microsoft Customer Agreement: when, by which Lanyard actor, for which customer contact (JSON). */
  agreementAcceptedAt: string | null;
  agreementAcceptedBy: string | null;
  agreementContact: string | null;
  createdAt: string;
  updatedAt: string;
}

export type CspPartner = Selectable<CspPartnersTable>;
export type CspCustomer = Selectable<CspCustomersTable>;
export type CspConsentRequest = Selectable<CspConsentRequestsTable>;
