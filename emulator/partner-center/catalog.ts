import { collection, resourceAttributes } from './collections.ts';
import type { PartnerCenterCall, PartnerCenterResponse, PartnerCenterRoute } from './dispatcher.ts';
import { PartnerCenterError } from './errors.ts';
import type { BillingCycle, Catalog, CatalogProduct, CatalogSku, LegacyOffer, TermDuration } from './model.ts';

/** EMULATOR CHOICE: the Microsoft Customer Agreement page every NCE term points to. */
const termsOfServiceUri = 'https://www.microsoft.com/licensing/docs/customeragreement';
const newCommerceProductType = { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' };

/** `country` is required on every catalog call; a market the partner does not sell in is 403 2030. */
function requireCountry(call: PartnerCenterCall): string {
  const country = call.request.query.get('country');
  if (!country) throw new PartnerCenterError(400, 400056, 'Invalid input: the country query parameter is required.');
  if (!call.context.state.partnerCenter.catalog.countries.includes(country.toUpperCase())) {
    throw new PartnerCenterError(403, 2030, `The partner is not onboarded to sell in country ${country}.`);
  }
  return country.toUpperCase();
}

function productOrThrow(catalog: Catalog, productId: string): CatalogProduct {
  const product = catalog.products.find((candidate) => candidate.id.toLowerCase() === productId.toLowerCase());
  if (!product) throw new PartnerCenterError(404, 400013, `Parent product ${productId} was not found.`);
  return product;
}

function skuOrThrow(product: CatalogProduct, skuId: string): CatalogSku {
  const sku = product.skus.find((candidate) => candidate.id === skuId);
  if (!sku) throw new PartnerCenterError(404, 400013, `Sku ${skuId} of product ${product.id} was not found.`);
  return sku;
}

function offerResource(offer: LegacyOffer, country: string): Record<string, unknown> {
  return {
    id: offer.id,
    name: offer.name,
    description: offer.name,
    minimumQuantity: offer.minimumQuantity,
    maximumQuantity: offer.maximumQuantity,
    rank: 0,
    uri: `/v1/offers/${offer.id}?country=${country}`,
    locale: 'en-US',
    country,
    category: { id: 'OnlineServices', name: 'Online Services', rank: 0 },
    prerequisiteOffers: [],
    isAddOn: false,
    isAvailableForPurchase: true,
    billing: 'license',
    isAutoRenewable: true,
    product: { id: offer.licenseSkuId, name: offer.name, unit: 'Licenses' },
    unitType: 'Licenses',
    // EMULATOR CHOICE: the list price per licence and year (Partner Center publishes it in price lists).
    listPrice: offer.price,
    attributes: resourceAttributes('Offer'),
  };
}

function productResource(product: CatalogProduct): Record<string, unknown> {
  return {
    id: product.id,
    title: product.title,
    description: product.description,
    productType: newCommerceProductType,
    isMicrosoftProduct: true,
    publisherName: 'Microsoft Corporation',
    links: { skus: { uri: `/v1/products/${product.id}/skus`, method: 'GET', headers: [] } },
    attributes: resourceAttributes('Product'),
  };
}

function skuResource(product: CatalogProduct, sku: CatalogSku): Record<string, unknown> {
  const billingCycles = [...new Set(sku.availabilities.flatMap((availability) => availability.terms.map((term) => term.billingCycle)))];
  return {
    id: sku.id,
    productId: product.id,
    title: sku.title,
    description: sku.title,
    minimumQuantity: sku.minimumQuantity,
    maximumQuantity: sku.maximumQuantity,
    isTrial: false,
    supportedBillingCycles: billingCycles,
    purchasePrerequisites: ['InformCustomerTermsAndConditions'],
    isAutoRenewable: true,
    dynamicAttributes: { isAddon: false, prerequisiteSkus: [], upgradeTargetOffers: [], provisioningId: sku.licenseSkuId, skuPartNumber: sku.skuPartNumber },
    links: { availabilities: { uri: `/v1/products/${product.id}/skus/${sku.id}/availabilities`, method: 'GET', headers: [] } },
    attributes: resourceAttributes('Sku'),
  };
}

/**
 * Terms as the availabilities API lists them (reference C.4): a full refund the first day, then a
 * prorated one until the end of the 7-day window. EMULATOR CHOICE: `prorateImmediately` (quantity
 * increases are charged pro rata) and `termsOfServiceLink`.
 */
function availabilityResource(product: CatalogProduct, sku: CatalogSku, availability: CatalogSku['availabilities'][number], country: string): Record<string, unknown> {
  return {
    id: availability.id,
    productId: product.id,
    skuId: sku.id,
    catalogItemId: `${product.id}:${sku.id}:${availability.id}`,
    country,
    segment: 'commercial',
    isPurchasable: true,
    isRenewable: true,
    terms: availability.terms.map((term) => ({
      duration: term.duration,
      description: term.description,
      billingCycle: term.billingCycle,
      prorateImmediately: true,
      // EMULATOR CHOICE: the list price per licence for one full term (Partner Center's NCE price sheet has it).
      ...(term.price ? { listPrice: term.price } : {}),
      cancellationPolicies: [
        {
          refundOptions: [
            { sequenceId: 1, type: 'Full', expiresAfter: 'P1D' },
            { sequenceId: 2, type: 'Partial', expiresAfter: 'P7D' },
          ],
        },
      ],
    })),
    termsOfServiceLink: termsOfServiceUri,
    attributes: resourceAttributes('Availability'),
  };
}

function listOffers(call: PartnerCenterCall): PartnerCenterResponse {
  const country = requireCountry(call);
  return { status: 200, body: collection(call, call.context.state.partnerCenter.catalog.offers.map((offer) => offerResource(offer, country))) };
}

/** `targetView` is required; only `OnlineServices` has new-commerce products here; `targetSegment` must be commercial. */
function listProducts(call: PartnerCenterCall): PartnerCenterResponse {
  requireCountry(call);
  const targetView = call.request.query.get('targetView');
  if (!targetView) throw new PartnerCenterError(400, 400056, 'Invalid input: the targetView query parameter is required.');
  const segment = call.request.query.get('targetSegment');
  if (segment && segment.toLowerCase() !== 'commercial') {
    throw new PartnerCenterError(403, 400030, `Access to the requested targetSegment ${segment} is not allowed.`);
  }
  const products = targetView.toLowerCase() === 'onlineservices' ? call.context.state.partnerCenter.catalog.products : [];
  return { status: 200, body: collection(call, products.map(productResource)) };
}

function listSkus(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  requireCountry(call);
  const product = productOrThrow(call.context.state.partnerCenter.catalog, parameters.productId ?? '');
  return { status: 200, body: collection(call, product.skus.map((sku) => skuResource(product, sku))) };
}

function listAvailabilities(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const country = requireCountry(call);
  const product = productOrThrow(call.context.state.partnerCenter.catalog, parameters.productId ?? '');
  const sku = skuOrThrow(product, parameters.skuId ?? '');
  return { status: 200, body: collection(call, sku.availabilities.map((availability) => availabilityResource(product, sku, availability, country))) };
}

/** What an order line buys, once its offer id and term were found in the catalog. */
export interface Purchasable {
  readonly offerId: string;
  readonly offerName: string;
  readonly isNewCommerce: boolean;
  readonly licenseSkuId: string;
  readonly skuPartNumber: string;
  readonly minimumQuantity: number;
  readonly maximumQuantity: number;
  readonly termDuration: TermDuration;
  readonly billingCycle: BillingCycle;
}

const badOffer = (offerId: string, why: string) => new PartnerCenterError(400, 800004, `Invalid offer ${offerId}: ${why}`);

/**
 * A legacy offer id (GUID) or an NCE `{product}:{sku}:{availability}`, with the term the line asks for.
 * Legacy offers have a 1-year term billed monthly or annually (termDuration must be absent or P1Y).
 */
export function resolvePurchasable(catalog: Catalog, offerId: string, termDuration: string | undefined, billingCycle: string): Purchasable {
  const cycle = billingCycle.toLowerCase();
  if (cycle !== 'monthly' && cycle !== 'annual') throw badOffer(offerId, `billing cycle ${billingCycle} is not offered.`);
  const parts = offerId.split(':');
  if (parts.length === 1) {
    const offer = catalog.offers.find((candidate) => candidate.id.toLowerCase() === offerId.toLowerCase());
    if (!offer) throw badOffer(offerId, 'no such offer.');
    if (termDuration !== undefined && termDuration !== 'P1Y') throw badOffer(offerId, 'legacy offers have a one-year term.');
    return { ...offer, offerId: offer.id, offerName: offer.name, isNewCommerce: false, termDuration: 'P1Y', billingCycle: cycle };
  }
  const [productId, skuId, availabilityId] = parts as [string, string, string];
  const product = catalog.products.find((candidate) => candidate.id === productId);
  const sku = product?.skus.find((candidate) => candidate.id === skuId);
  const availability = sku?.availabilities.find((candidate) => candidate.id === availabilityId);
  if (!product || !sku || !availability || parts.length !== 3) throw badOffer(offerId, 'no such catalog item; re-read the availabilities.');
  const term = availability.terms.find((candidate) => candidate.duration === termDuration && candidate.billingCycle === cycle);
  if (!term) throw badOffer(offerId, `no ${termDuration ?? '(missing termDuration)'} term billed ${cycle}.`);
  return {
    offerId,
    offerName: sku.title,
    isNewCommerce: true,
    licenseSkuId: sku.licenseSkuId,
    skuPartNumber: sku.skuPartNumber,
    minimumQuantity: sku.minimumQuantity,
    maximumQuantity: sku.maximumQuantity,
    termDuration: term.duration,
    billingCycle: term.billingCycle,
  };
}

export const catalogRoutes: readonly PartnerCenterRoute[] = [
  { method: 'GET', pattern: /^\/offers\/?$/, handler: listOffers },
  { method: 'GET', pattern: /^\/products\/?$/, handler: listProducts },
  { method: 'GET', pattern: /^\/products\/(?<productId>[^/]+)\/skus\/?$/, handler: listSkus },
  { method: 'GET', pattern: /^\/products\/(?<productId>[^/]+)\/skus\/(?<skuId>[^/]+)\/availabilities\/?$/, handler: listAvailabilities },
];
