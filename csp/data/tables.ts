import type { Generated, Selectable } from 'kysely';

/**
 * Tables of the CSP module: partners and their consent requests (0011), customers (0012),
 * subscriptions, their changes and billing lines (0013), the partner columns for token storage in
 * Key Vault, admin notices and the client secret expiry (0014), the customers' imported licence
 * snapshots (0015), the customers' domains (0016).
 * The module's part of the one Kysely `Database` type, merged into it here.
 */
declare module '../../core/db/schema.ts' {
  interface Database {
    cspPartners: CspPartnersTable;
    cspConsentRequests: CspConsentRequestsTable;
    cspCustomers: CspCustomersTable;
    cspCustomerDomains: CspCustomerDomainsTable;
    cspCustomerLicences: CspCustomerLicencesTable;
    cspSubscriptions: CspSubscriptionsTable;
    cspSubscriptionChanges: CspSubscriptionChangesTable;
    cspBillingLines: CspBillingLinesTable;
    cspPrices: CspPricesTable;
    cspDnsZoneOwners: CspDnsZoneOwnersTable;
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
  /** 1: a new subscription is co-termed with the customer's existing ones (migration 0013). */
  alignRenewals: Generated<number>;
  /** 1: a quantity below the licences the customer has assigned is refused (migration 0013). */
  preventDecreaseBelowConsumed: Generated<number>;
  /** Days a terminated (suspended) legacy subscription waits before it is deleted (migration 0013). */
  legacyTerminationDays: Generated<number>;
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

/** `ordering` until Partner Center confirms the order; `failed` when it refused (frees the offer). */
export type SubscriptionStatus = 'ordering' | 'active' | 'suspended' | 'deleted' | 'failed';

export interface CspSubscriptionsTable {
  id: string;
  partnerId: string;
  customerId: string;
  /** Partner Center's subscription id, once the order went through. */
  partnerCenterId: string | null;
  orderId: string | null;
  /** A legacy offer GUID or a new-commerce `product:sku:availability`. */
  offerId: string;
  offerName: string;
  isNewCommerce: number;
  licenceSkuId: string | null;
  minimumQuantity: number;
  maximumQuantity: number;
  seatBased: Generated<number>;
  billingCycle: 'monthly' | 'annual';
  termDuration: 'P1M' | 'P1Y' | 'P3Y';
  name: string;
  quantity: number;
  status: SubscriptionStatus;
  termStartDate: string | null;
  commitmentEndDate: string | null;
  customTermEndDate: string | null;
  /** Partner Center's `cancellationAllowedUntilDate`, as read (never computed here). */
  cancellationAllowedUntil: string | null;
  /** Partner Center's `refundableQuantity.totalQuantity` and its details (JSON), as read. */
  refundableQuantity: Generated<number>;
  refundableDetails: Generated<string>;
  autoRenew: Generated<number>;
  /** `scheduledNextTermInstructions.quantity` when one is set. */
  scheduledQuantity: number | null;
  etag: string | null;
  /** The change in flight; set and cleared by compare-and-set. */
  lockedByChange: string | null;
  /** Price of one licence for one full term, in minor units, as the catalog listed it at the order. */
  unitPriceMinor: Generated<number>;
  currency: Generated<string>;
  /** Where `unitPriceMinor` came from at the order (0019). */
  priceSource: Generated<PriceSource>;
  prorate: Generated<number>;
  /** Legacy subscriptions suspended by a termination: when the periodic job deletes them. */
  deleteAfter: string | null;
  createdAt: string;
  updatedAt: string;
}

export type ChangeKind = 'order' | 'quantity' | 'terminate' | 'auto-renew' | 'schedule';
export type ChangeState = 'queued' | 'submitted' | 'provisioning' | 'succeeded' | 'failed';

export interface CspSubscriptionChangesTable {
  id: string;
  subscriptionId: string;
  kind: ChangeKind;
  /** The `MS-RequestId` of the change's Partner Center call (checkout, PATCH), chosen before the call. */
  requestId: string;
  /** Orders only: the `MS-RequestId` of the cart creation. */
  cartRequestId: string | null;
  cartId: string | null;
  state: ChangeState;
  /** JSON: what was asked (quantity, autoRenew, term, customTermEndDate…). */
  input: Generated<string>;
  previousQuantity: number | null;
  jobId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** JSON of the refusal's details (Partner Center's code, explanation, remediation). */
  errorDetails: string | null;
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface CspBillingLinesTable {
  id: string;
  partnerId: string;
  customerId: string;
  subscriptionId: string;
  /** One line per change at most (unique). */
  changeId: string;
  kind: 'purchase' | 'increase';
  offerId: string;
  description: string;
  /** Licences charged (the increase, or the quantity bought). */
  quantity: number;
  unitPriceMinor: number;
  /** Share of the renewal period charged, as a decimal string (e.g. "0.5041"). */
  share: string;
  amountMinor: number;
  currency: string;
  /** The subscription's price source when the line was written (0019). */
  priceSource: Generated<PriceSource>;
  periodStart: string;
  periodEnd: string;
  createdAt: string;
}

/** `partner`: the partner's price list; `catalog`: Partner Center's list price; `none`: no price known. */
export type PriceSource = 'partner' | 'catalog' | 'none';

/** The partner's own price per licence and full term (0019); '' in term or billing cycle = any. */
export interface CspPricesTable {
  id: string;
  partnerId: string;
  /** Lower-cased: a legacy GUID or `product:sku:availability`. */
  offerId: string;
  termDuration: string;
  billingCycle: string;
  amountMinor: number;
  currency: string;
  createdAt: string;
  updatedAt: string;
}

export type CspSubscription = Selectable<CspSubscriptionsTable>;
export type CspSubscriptionChange = Selectable<CspSubscriptionChangesTable>;
export type CspBillingLine = Selectable<CspBillingLinesTable>;
export type CspPrice = Selectable<CspPricesTable>;
export type CspPartner = Selectable<CspPartnersTable>;
export type CspCustomerDomain = Selectable<CspCustomerDomainsTable>;
export type CspCustomer = Selectable<CspCustomersTable>;
export type CspConsentRequest = Selectable<CspConsentRequestsTable>;
export type CspCustomerLicence = Selectable<CspCustomerLicencesTable>;

/** The customer a hosted DNS zone belongs to (0027): Lanyard writes into the zone only for it. */
export interface CspDnsZoneOwnersTable {
  /** The provider's zone name, lower case without the final dot. */
  zone: string;
  customerId: string;
  /** The audit actor whose first write claimed the zone. */
  claimedBy: string;
  claimedAt: string;
}
export type CspDnsZoneOwner = Selectable<CspDnsZoneOwnersTable>;
