/**
 * Partner Center records. Response shapes are built from these in the handlers; property names follow
 * Partner Center's JSON (camelCase) where a record is returned as is.
 */

export type TermDuration = 'P1M' | 'P1Y' | 'P3Y';
export type BillingCycle = 'monthly' | 'annual';

export interface PartnerThrottle {
  enabled: boolean;
  requestsPerWindow: number;
  windowSeconds: number;
}

export interface Partner {
  /** The partner's tenant in the emulator state; tokens with this `tid` act as the partner. */
  readonly tenantId: string;
  readonly mpnId: string;
  throttle: PartnerThrottle;
  /** Share (0..1) of quantity changes answered 202 and finished later; see subscriptions.ts. */
  slowChangeShare: number;
  slowChangeSeconds: number;
  /** Accumulates `slowChangeShare` so the share is met exactly and deterministically. */
  slowChangeCredit: number;
  /** false: a reused MS-RequestId is a new call (no replay); see service.ts. Absent = true. */
  replayRequestIds?: boolean;
}

/** EMULATOR CHOICE: a list price per licence for one full term (Partner Center publishes prices in price sheets). */
export interface ListPrice {
  readonly listPrice: number;
  readonly currencyCode: string;
}

export interface CatalogTerm {
  readonly duration: TermDuration;
  readonly billingCycle: BillingCycle;
  readonly description: string;
  /** null: the term carries no list price, as on real Partner Center (seed `listPrice: null`). */
  readonly price: ListPrice | null;
}

export interface CatalogSku {
  readonly id: string;
  readonly title: string;
  readonly minimumQuantity: number;
  readonly maximumQuantity: number;
  /** Graph's skuId and skuPartNumber of the licence a subscription grants. */
  readonly licenseSkuId: string;
  readonly skuPartNumber: string;
  readonly availabilities: readonly { readonly id: string; readonly terms: readonly CatalogTerm[] }[];
}

export interface CatalogProduct {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly skus: readonly CatalogSku[];
}

export interface LegacyOffer {
  readonly id: string;
  readonly name: string;
  /** Per licence for the one-year term. */
  readonly price: ListPrice;
  readonly minimumQuantity: number;
  readonly maximumQuantity: number;
  readonly licenseSkuId: string;
  readonly skuPartNumber: string;
}

export interface Catalog {
  readonly countries: readonly string[];
  readonly products: readonly CatalogProduct[];
  readonly offers: readonly LegacyOffer[];
  readonly mcaTemplateId: string;
}

export interface CustomerAgreement {
  readonly primaryContact: Readonly<Record<string, string>>;
  readonly templateId: string;
  readonly dateAgreed: string;
  readonly type: 'MicrosoftCustomerAgreement';
  readonly userId: string;
}

export interface Customer {
  /** The customer's tenant id (Partner Center's customer id is the tenant id). */
  readonly id: string;
  readonly partnerTenantId: string;
  readonly commerceId: string;
  readonly companyName: string;
  readonly domain: string;
  readonly billingProfile: Record<string, unknown>;
  /** The indirect reseller the customer is sold through (Partner Center's `associatedPartnerId`), if any. */
  readonly associatedPartnerId?: string;
  readonly agreements: CustomerAgreement[];
  readonly applicationConsents: Map<string, { applicationId: string; applicationGrants: unknown[]; displayName: string | null }>;
}

/** Seats added at one moment; NCE lets them be removed (refunded) for 168 hours. */
export interface SeatLot {
  quantity: number;
  readonly addedAt: number;
}

export interface PendingChange {
  readonly quantity: number;
  readonly completesAt: number;
}

export interface Subscription {
  readonly id: string;
  readonly customerId: string;
  readonly orderId: string;
  readonly offerId: string;
  readonly offerName: string;
  readonly isNewCommerce: boolean;
  readonly licenseSkuId: string;
  readonly skuPartNumber: string;
  readonly minimumQuantity: number;
  readonly maximumQuantity: number;
  friendlyName: string;
  quantity: number;
  status: 'active' | 'suspended' | 'deleted' | 'pending';
  autoRenewEnabled: boolean;
  readonly billingCycle: BillingCycle;
  readonly termDuration: TermDuration;
  readonly creationDate: number;
  /** Start of the current term (purchase or renewal): the cancellation window starts here. */
  readonly termStart: number;
  readonly commitmentEndDate: number;
  seatLots: SeatLot[];
  scheduledNextTermInstructions: Record<string, unknown> | null;
  etag: string;
  pending: PendingChange | undefined;
}

export interface OrderLine {
  readonly lineItemNumber: number;
  readonly offerId: string;
  readonly subscriptionId: string;
  readonly termDuration: TermDuration | undefined;
  readonly billingCycle: BillingCycle;
  readonly friendlyName: string;
  readonly quantity: number;
  readonly customTermEndDate: string | undefined;
}

export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly billingCycle: BillingCycle;
  readonly lineItems: readonly OrderLine[];
  readonly creationDate: number;
}

export interface CartLine {
  readonly id: number;
  readonly catalogItemId: string;
  readonly quantity: number;
  readonly billingCycle: BillingCycle;
  readonly termDuration: TermDuration | undefined;
  readonly customTermEndDate: string | undefined;
  readonly friendlyName: string | undefined;
}

export interface Cart {
  readonly id: string;
  readonly customerId: string;
  readonly creationTimestamp: number;
  lastModifiedTimestamp: number;
  readonly expirationTimestamp: number;
  lastModifiedUser: string;
  lineItems: CartLine[];
  status: 'Active' | 'Ordered';
}

/** The first answer to a request carrying an `MS-RequestId`, replayed for retries of it. */
export interface RecordedResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}
