import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { findPartnerById, listPartners } from '../data/partners.ts';
import type { CspCustomer, CspPartner } from '../data/tables.ts';

/**
 * The partner that acts for customers sold through an indirect reseller. `resellers` is the
 * customer's reseller first, then (when known) the resellers above it: the reseller itself matches
 * a partner listing it; a reseller further up matches only a partner that lists it with
 * `includeSubResellers`. No match (or no reseller): the default partner. CSP_PARTNER_NOT_FOUND when
 * there is none.
 *
 * Partner Center gives only the customer's own reseller (`associatedPartnerId`), so today the list
 * has one entry; the hierarchy is for when Lanyard learns who sits above a reseller.
 *
 * @example
 *   const partner = await partnerForReseller(db, [customer.resellerId]);
 */
export async function partnerForReseller(db: Db, resellers: readonly (string | null | undefined)[]): Promise<CspPartner> {
  const partners = await listPartners(db);
  const chain = resellers.filter((id): id is string => typeof id === 'string' && id.length > 0).map((id) => id.toLowerCase());
  for (const [depth, reseller] of chain.entries()) {
    const serving = partners.find((partner) => servedResellers(partner).includes(reseller) && (depth === 0 || partner.includeSubResellers === 1));
    if (serving) return serving;
  }
  const fallback = partners.find((partner) => partner.isDefault === 1);
  if (!fallback) {
    throw new LanyardError('CSP_PARTNER_NOT_FOUND', `no CSP partner serves reseller ${chain[0] ?? '(none)'} and none is the default; see \`lanyard csp partner add --default\``, { resellerId: chain[0] ?? null });
  }
  return fallback;
}

/**
 * The partner a command about `customer` acts through: the one serving its reseller (above) when it
 * is sold through one, else the partner it was created or imported through.
 *
 * @example
 *   const client = openPartnerCenter(deps, await partnerForCustomer(db, customer), 'cli');
 */
export async function partnerForCustomer(db: Db, customer: CspCustomer): Promise<CspPartner> {
  if (customer.resellerId) return partnerForReseller(db, [customer.resellerId]);
  const own = await findPartnerById(db, customer.partnerId);
  if (!own) throw new LanyardError('CSP_PARTNER_NOT_FOUND', `the partner of customer ${customer.domain} is gone`, { customer: customer.domain });
  return own;
}

function servedResellers(partner: CspPartner): string[] {
  const parsed: unknown = JSON.parse(partner.resellerIds || '[]');
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string').map((id) => id.toLowerCase()) : [];
}
