import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { deletePrice, listPrices, upsertPrice, type PriceKey } from '../data/prices.ts';
import type { CspPrice, PriceSource } from '../data/tables.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { formatMinor } from '../subscriptions/proration.ts';

/** One price as `csp price list | set` print it. */
export interface PriceView {
  readonly offerId: string;
  /** null = any term / any billing cycle. */
  readonly termDuration: string | null;
  readonly billingCycle: string | null;
  readonly amount: string;
  readonly currency: string;
  readonly updatedAt: string;
}

export interface PriceRequest {
  readonly offerId: string;
  readonly term?: string;
  readonly billing?: string;
}

const legacyOfferId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const catalogItemId = /^[0-9a-z]{1,20}:[0-9a-z]{1,10}:[0-9a-z]{1,20}$/;

export const priceView = (price: CspPrice): PriceView => ({
  offerId: price.offerId,
  termDuration: price.termDuration || null,
  billingCycle: price.billingCycle || null,
  amount: formatMinor(price.amountMinor),
  currency: price.currency,
  updatedAt: price.updatedAt,
});

/** "12", "12.5", "12.50" → cents; at most two decimals, never negative, never past 10^10 cents. */
export function parseAmount(text: string): number {
  const match = /^(\d{1,8})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new LanyardError('CSP_PRICE_AMOUNT_INVALID', `--amount is a decimal of at least 0 with at most 2 decimals, e.g. 12.50; got "${text}"`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

function parseCurrency(text: string): string {
  if (!/^[A-Z]{3}$/.test(text)) throw new LanyardError('CSP_PRICE_CURRENCY_INVALID', `--currency is an ISO 4217 code of three upper-case letters, e.g. EUR; got "${text}"`);
  return text;
}

function parseOfferId(text: string): string {
  const offerId = text.trim().toLowerCase();
  if (!legacyOfferId.test(offerId) && !catalogItemId.test(offerId)) {
    throw new LanyardError('CSP_PRICE_OFFER_INVALID', `the offer id is a legacy offer GUID or a new-commerce product:sku:availability (see \`lanyard csp offer list <partner>\`); got "${text}"`);
  }
  return offerId;
}

function parseKey(partnerId: string, request: PriceRequest): PriceKey {
  if (request.term !== undefined && !['P1M', 'P1Y', 'P3Y'].includes(request.term)) throw new LanyardError('CSP_TERM_INVALID', `--term is P1M, P1Y or P3Y; got "${request.term}"`);
  if (request.billing !== undefined && !['monthly', 'annual'].includes(request.billing)) throw new LanyardError('CSP_TERM_INVALID', `--billing is monthly or annual; got "${request.billing}"`);
  return { partnerId, offerId: parseOfferId(request.offerId), termDuration: request.term ?? '', billingCycle: request.billing ?? '' };
}

/** Sets the partner's price of an offer (for one term and billing cycle, or any); audited. */
export async function setPrice(db: Db, partnerName: string, request: PriceRequest & { amount: string; currency: string }, actor: string, now: Date): Promise<PriceView> {
  const partner = await requirePartner(db, partnerName);
  const key = parseKey(partner.id, request);
  const amountMinor = parseAmount(request.amount);
  const currency = parseCurrency(request.currency);
  const price = await upsertPrice(db, key, { amountMinor, currency }, now);
  await recordAuditEvent(db, { actor, action: 'csp.price.set', target: `${partner.slug}:${key.offerId}`, outcome: 'success', details: { termDuration: key.termDuration || null, billingCycle: key.billingCycle || null, amountMinor, currency } });
  return priceView(price);
}

/** Removes exactly the price set with the same offer, term and billing; CSP_PRICE_NOT_FOUND otherwise. */
export async function removePrice(db: Db, partnerName: string, request: PriceRequest, actor: string): Promise<void> {
  const partner = await requirePartner(db, partnerName);
  const key = parseKey(partner.id, request);
  if (!(await deletePrice(db, key))) {
    throw new LanyardError('CSP_PRICE_NOT_FOUND', `partner ${partner.slug} has no price for ${key.offerId}${key.termDuration ? ` ${key.termDuration}` : ''}${key.billingCycle ? ` ${key.billingCycle}` : ''}; see \`lanyard csp price list ${partner.slug}\``);
  }
  await recordAuditEvent(db, { actor, action: 'csp.price.remove', target: `${partner.slug}:${key.offerId}`, outcome: 'success', details: { termDuration: key.termDuration || null, billingCycle: key.billingCycle || null } });
}

export async function partnerPrices(db: Db, partnerName: string): Promise<PriceView[]> {
  const partner = await requirePartner(db, partnerName);
  return (await listPrices(db, partner.id)).map(priceView);
}

export interface ChosenPrice {
  readonly unitPriceMinor: number;
  readonly currency: string;
  readonly priceSource: PriceSource;
}

/**
 * The unit price an order fixes on its subscription: the partner's own price for the offer (the
 * most specific match: term and billing, then term, then billing, then any), else Partner Center's
 * list price when the catalog gave one (only the emulator does), else none (0, said so at the order).
 */
export async function choosePrice(db: Db, partnerId: string, offerId: string, term: { termDuration: string; billingCycle: string; unitPriceMinor: number; currency: string; listed: boolean }): Promise<ChosenPrice> {
  const fits = (await listPrices(db, partnerId, offerId.toLowerCase()))
    .filter((price) => (price.termDuration === '' || price.termDuration === term.termDuration) && (price.billingCycle === '' || price.billingCycle === term.billingCycle));
  const specificity = (price: CspPrice) => (price.termDuration ? 2 : 0) + (price.billingCycle ? 1 : 0);
  const best = fits.sort((a, b) => specificity(b) - specificity(a))[0];
  if (best) return { unitPriceMinor: best.amountMinor, currency: best.currency, priceSource: 'partner' };
  if (term.listed) return { unitPriceMinor: term.unitPriceMinor, currency: term.currency, priceSource: 'catalog' };
  return { unitPriceMinor: 0, currency: term.currency, priceSource: 'none' };
}

/**
 * What an order without a price says (the CLI's `warning`, the portal's preview): never a silent 0.
 *
 * @example
 *   noPriceWarning('contoso-csp', 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', 'P1M', 'monthly');
 */
export function noPriceWarning(partnerSlug: string, offerId: string, termDuration: string, billingCycle: string): string {
  return `no price for ${offerId} ${termDuration} ${billingCycle}: neither partner ${partnerSlug} has one in its price list nor does the catalog list one, so this subscription's billing lines are 0 (the price is fixed at the order); set one for later orders with \`lanyard csp price set ${partnerSlug} ${offerId} --amount … --currency …\``;
}
