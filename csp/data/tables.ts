import type { Generated, Selectable } from 'kysely';

/**
 * Tables of the CSP module: partners and their consent requests (0011), customers (0012), the
 * customers' imported licence snapshots (0015), customers' domains (0016).
 * The module's part of the one Kysely `Database` type, merged into it here.
 */
declare module '../../core/db/schema.ts' {
  interface Database {
    cspPartners: CspPartnersTable;
    cspConsentRequests: CspConsentRequestsTable;
    cspCustomers: CspCustomersTable;
    cspCustomerDomains: CspCustomerDomainsTable;
    cspCustomerLicences: CspCustomerLicencesTable;
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
  /** Where the refresh token lives; only 'database' is built (Key Vault is not, see docs/csp.md). */
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

export const customerDomainStates = ['unverified', 'verified', 'failed'] as const;
export type CustomerDomainState = (typeof customerDomainStates)[number];

export interface CspCustomerDomainsTable {
  id: string;
  customerId: string;
  /** Lower case, unique: Microsoft verifies a name in one tenant only. */
  domain: string;
  state: Generated<CustomerDomainState>;
  /** The zone Lanyard's DNS provider hosts it in, as found at the last attempt (null: not hosted). */
  zone: string | null;
  lastErrorCode: string | null;
  /** What the last attempt ran into, as shown to the admin (the missing record and what the resolver saw). */
  lastError: string | null;
  attempts: Generated<number>;
  /** When the job may try again (null: at once). */
  nextAttemptAt: string | null;
  verifiedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A customer's subscribed SKU as last imported (0015). */
export interface CspCustomerLicencesTable {
  customerId: string;
  skuId: string;
  skuPartNumber: string;
  /** Seats the customer has (Partner Center's totalUnits). */
  total: number;
  /** Seats assigned to users. */
  consumed: number;
  /** When the import saw it. */
  seenAt: string;
}

export type CspPartner = Selectable<CspPartnersTable>;
export type CspCustomerDomain = Selectable<CspCustomerDomainsTable>;
export type CspCustomer = Selectable<CspCustomersTable>;
export type CspConsentRequest = Selectable<CspConsentRequestsTable>;
export type CspCustomerLicence = Selectable<CspCustomerLicencesTable>;
