import { LanyardError } from '../../core/errors.ts';
import type { PartnerCenterClient } from '../partner-center/partner-center-client.ts';

/** One purchasable term of an offer, as `csp offer list` prints it and an order line uses it. */
export interface OfferTerm {
  readonly termDuration: 'P1M' | 'P1Y' | 'P3Y';
  readonly billingCycle: 'monthly' | 'annual';
  /** Per licence for one full term, in minor units (cents); 0 when Partner Center gave no price. */
  readonly unitPriceMinor: number;
  readonly currency: string;
  /** Whether the catalog gave a list price (the emulator does; real Partner Center does not). */
  readonly listed: boolean;
  /** Partner Center's `prorateImmediately`: increases are charged pro rata. */
  readonly prorate: boolean;
}

export interface Offer {
  /** Legacy offer GUID, or new-commerce `product:sku:availability`. */
  readonly offerId: string;
  readonly name: string;
  readonly isNewCommerce: boolean;
  readonly minimumQuantity: number;
  readonly maximumQuantity: number;
  readonly seatBased: boolean;
  /** Graph's skuId of the licence the subscription grants (the consumed count is read for it). */
  readonly licenceSkuId: string | null;
  readonly termsOfServiceUrl: string | null;
  readonly terms: readonly OfferTerm[];
}

interface PriceBody { listPrice?: number; currencyCode?: string }
interface LegacyOfferBody { id: string; name: string; minimumQuantity: number; maximumQuantity: number; unitType?: string; product?: { id?: string }; listPrice?: PriceBody }
interface ProductBody { id: string; title: string; productType?: { id?: string } }
interface SkuBody { id: string; title: string; minimumQuantity: number; maximumQuantity: number; dynamicAttributes?: { provisioningId?: string } }
interface AvailabilityBody { id: string; catalogItemId: string; termsOfServiceLink?: string; terms: { duration: OfferTerm['termDuration']; billingCycle: string; prorateImmediately?: boolean; listPrice?: PriceBody }[] }

const minor = (price: PriceBody | undefined) => Math.round((price?.listPrice ?? 0) * 100);

/**
 * The partner's catalog in `country`: legacy offers (`GET /v1/offers`) and new-commerce products
 * with their SKUs and availabilities (`/v1/products?targetView=OnlineServices`, reference C.4).
 * Read fresh every time: Microsoft re-issues availability ids, so a cached one may not be buyable.
 */
export async function listOffers(pc: PartnerCenterClient, country: string): Promise<Offer[]> {
  const offers: Offer[] = [];
  for (const offer of await pc.all<LegacyOfferBody>('/v1/offers', { country })) {
    offers.push({
      offerId: offer.id,
      name: offer.name,
      isNewCommerce: false,
      minimumQuantity: offer.minimumQuantity,
      maximumQuantity: offer.maximumQuantity,
      seatBased: (offer.unitType ?? 'Licenses') === 'Licenses',
      licenceSkuId: offer.product?.id ?? null,
      termsOfServiceUrl: null,
      // Legacy offers have a one-year term billed monthly or annually, prorated.
      terms: (['monthly', 'annual'] as const).map((billingCycle) => ({ termDuration: 'P1Y', billingCycle, unitPriceMinor: minor(offer.listPrice), listed: offer.listPrice?.listPrice !== undefined, currency: offer.listPrice?.currencyCode ?? 'USD', prorate: true })),
    });
  }
  const products = await pc.all<ProductBody>('/v1/products', { country, targetView: 'OnlineServices', targetSegment: 'commercial' });
  for (const product of products.filter((candidate) => candidate.productType?.id === 'OnlineServicesNCE')) {
    for (const sku of await pc.all<SkuBody>(`/v1/products/${encodeURIComponent(product.id)}/skus`, { country })) {
      for (const availability of await pc.all<AvailabilityBody>(`/v1/products/${encodeURIComponent(product.id)}/skus/${encodeURIComponent(sku.id)}/availabilities`, { country })) {
        offers.push({
          offerId: availability.catalogItemId,
          name: sku.title,
          isNewCommerce: true,
          minimumQuantity: sku.minimumQuantity,
          maximumQuantity: sku.maximumQuantity,
          seatBased: true,
          licenceSkuId: sku.dynamicAttributes?.provisioningId ?? null,
          termsOfServiceUrl: availability.termsOfServiceLink ?? null,
          terms: availability.terms.map((term) => ({
            termDuration: term.duration,
            billingCycle: term.billingCycle.toLowerCase() as OfferTerm['billingCycle'],
            unitPriceMinor: minor(term.listPrice),
            listed: term.listPrice?.listPrice !== undefined,
            currency: term.listPrice?.currencyCode ?? 'USD',
            prorate: term.prorateImmediately ?? true,
          })),
        });
      }
    }
  }
  return offers;
}

/**
 * The offer and term an order asks for, or CSP_OFFER_NOT_FOUND / CSP_TERM_INVALID naming what exists.
 * A term or billing cycle not asked for is only a preference: an offer without it (a legacy offer
 * has only P1Y) takes its own first one.
 */
export async function resolveOffer(
  pc: PartnerCenterClient,
  country: string,
  offerId: string,
  wanted: { term: string; billing: string; termAsked: boolean; billingAsked: boolean },
): Promise<{ offer: Offer; term: OfferTerm }> {
  const offers = await listOffers(pc, country);
  const offer = offers.find((candidate) => candidate.offerId.toLowerCase() === offerId.trim().toLowerCase());
  if (!offer) throw new LanyardError('CSP_OFFER_NOT_FOUND', `no offer "${offerId}" in the partner's catalog for ${country}; see \`lanyard csp offer list <partner> --country ${country}\``, { offerId, country });
  const fits = (candidate: OfferTerm, strict: boolean) =>
    (candidate.termDuration === wanted.term || (!strict && !wanted.termAsked)) && (candidate.billingCycle === wanted.billing || (!strict && !wanted.billingAsked));
  const chosen = offer.terms.find((candidate) => fits(candidate, true)) ?? offer.terms.find((candidate) => fits(candidate, false));
  if (!chosen) {
    const available = offer.terms.map((candidate) => `${candidate.termDuration} ${candidate.billingCycle}`).join(', ');
    throw new LanyardError('CSP_TERM_INVALID', `offer "${offer.name}" has no ${wanted.term} term billed ${wanted.billing}; it has: ${available}`, { offerId: offer.offerId, available: offer.terms });
  }
  return { offer, term: chosen };
}
