import { LanyardError } from '../../core/errors.ts';
import type { CspCustomer } from '../data/tables.ts';
import type { CustomerGraph } from '../graph/customer-graph.ts';

export interface TenantSku {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly total: number;
  readonly consumed: number;
  readonly available: number;
  readonly capabilityStatus: string;
}

interface GraphSku {
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  capabilityStatus: string;
  prepaidUnits?: { enabled?: number };
}

/** The customer's subscribed SKUs with seat counts (Graph's subscribedSkus: total = prepaidUnits.enabled, reference A.6). */
export async function readTenantSkus(graph: CustomerGraph): Promise<TenantSku[]> {
  const skus = await graph.all<GraphSku>('/subscribedSkus');
  return skus.map((sku) => {
    const total = sku.prepaidUnits?.enabled ?? 0;
    return { skuId: sku.skuId.toLowerCase(), skuPartNumber: sku.skuPartNumber, total, consumed: sku.consumedUnits, available: Math.max(0, total - sku.consumedUnits), capabilityStatus: sku.capabilityStatus };
  });
}

/**
 * The SKU a person names (its skuId or part number, any case) among the customer's subscribed
 * ones, or CSP_SKU_NOT_SUBSCRIBED listing those it has.
 */
export function resolveSku(customer: CspCustomer, skus: readonly TenantSku[], named: string): TenantSku {
  const wanted = named.trim().toLowerCase();
  const found = skus.find((sku) => sku.skuId === wanted || sku.skuPartNumber.toLowerCase() === wanted);
  if (!found) {
    const subscribed = skus.map((sku) => `${sku.skuPartNumber} (${sku.skuId})`).join(', ') || 'none';
    throw new LanyardError('CSP_SKU_NOT_SUBSCRIBED', `customer ${customer.domain} has no subscription for "${named.trim()}"; its subscribed SKUs: ${subscribed}`, { sku: named.trim(), subscribed: skus.map((sku) => sku.skuPartNumber) });
  }
  return found;
}

/** CSP_NO_SEATS_LEFT naming the SKU and its numbers. */
export function noSeatsLeft(customer: CspCustomer, sku: TenantSku): LanyardError {
  return new LanyardError(
    'CSP_NO_SEATS_LEFT',
    `no seats left of ${sku.skuPartNumber} (${sku.skuId}) for customer ${customer.domain}: ${sku.consumed} of ${sku.total} assigned, ${sku.available} available; buy more seats or remove the licence from another user`,
    { skuId: sku.skuId, skuPartNumber: sku.skuPartNumber, total: sku.total, consumed: sku.consumed, available: sku.available },
  );
}

/** The customer tenant's verified domains (lower case), which are the only ones a UPN may use. */
export async function readVerifiedDomains(graph: CustomerGraph): Promise<string[]> {
  const domains = await graph.all<{ id: string; isVerified: boolean }>('/domains');
  return domains.filter((domain) => domain.isVerified).map((domain) => domain.id.toLowerCase()).sort();
}

const upnShape = /^[A-Za-z0-9'.\-_!#^~]+@[A-Za-z0-9.-]+$/;

/** A UPN whose domain is one of the verified ones, lower-cased; else CSP_USER_INPUT_INVALID / CSP_UPN_DOMAIN_NOT_VERIFIED naming them. */
export function checkUpn(customer: CspCustomer, upn: string, verified: readonly string[]): string {
  const value = upn.trim();
  if (!upnShape.test(value) || value.length > 113) {
    throw new LanyardError('CSP_USER_INPUT_INVALID', `"${value}" is not a user principal name: alias@domain, the alias of letters, digits and ' . - _ ! # ^ ~ only`, { field: 'upn' });
  }
  const domain = value.slice(value.indexOf('@') + 1).toLowerCase();
  if (!verified.includes(domain)) {
    throw new LanyardError('CSP_UPN_DOMAIN_NOT_VERIFIED', `${domain} is not a verified domain of customer ${customer.domain}; use one of: ${verified.join(', ')}`, { domain, verifiedDomains: [...verified] });
  }
  return value.toLowerCase();
}
