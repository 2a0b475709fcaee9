import type { SubscribedSku, Tenant, User } from '../state/model.ts';
import { collection, resourceAttributes } from './collections.ts';
import { bodyObject, customerOf } from './customer-access.ts';
import type { PartnerCenterCall, PartnerCenterResponse, PartnerCenterRoute } from './dispatcher.ts';
import { invalidProperty, notFound, PartnerCenterError } from './errors.ts';

/** Seats in use come from the users' assigned licences, as for Graph, so the two parts always agree. */
function consumedUnits(tenant: Tenant, skuId: string): number {
  let count = 0;
  for (const user of tenant.users.values()) if (user.assignedLicenses.some((license) => license.skuId === skuId)) count += 1;
  return count;
}

function subscribedSkuResource(tenant: Tenant, sku: SubscribedSku): Record<string, unknown> {
  const consumed = consumedUnits(tenant, sku.skuId);
  return {
    availableUnits: Math.max(0, sku.enabledUnits - consumed),
    activeUnits: sku.enabledUnits,
    consumedUnits: consumed,
    suspendedUnits: 0,
    totalUnits: sku.enabledUnits,
    warningUnits: 0,
    productSku: { id: sku.skuId, name: sku.skuPartNumber, skuPartNumber: sku.skuPartNumber, targetType: 'User', licenseGroupId: 'group1' },
    servicePlans: sku.servicePlans.map((plan) => ({ displayName: plan.servicePlanName, serviceName: plan.servicePlanName, id: plan.servicePlanId, capabilityStatus: 'Enabled', targetType: 'User' })),
    capabilityStatus: sku.capabilityStatus,
    attributes: resourceAttributes('SubscribedSku'),
  };
}

/** `GET /v1/customers/{id}/subscribedskus`: the customer tenant's licence pool (the same SKUs Graph shows). */
function listSubscribedSkus(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { tenant } = customerOf(call, parameters.customerId ?? '');
  return { status: 200, body: collection(call, [...tenant.skus.values()].map((sku) => subscribedSkuResource(tenant, sku))) };
}

export function customerUserOf(tenant: Tenant, userId: string): User {
  const user = tenant.users.get(userId);
  if (!user) throw notFound(`User ${userId}`);
  return user;
}

function skuIds(value: unknown, field: string): { skuId: string; excludedPlans: string[] }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidProperty(`${field} must be an array.`);
  return value.map((entry: unknown) => {
    const license = (typeof entry === 'string' ? { skuId: entry } : entry) as Record<string, unknown> | null;
    if (typeof license?.skuId !== 'string') throw invalidProperty(`Each ${field} entry needs a SkuId.`);
    const excluded = Array.isArray(license.excludedPlans) ? license.excludedPlans.filter((plan): plan is string => typeof plan === 'string') : [];
    return { skuId: license.skuId, excludedPlans: excluded };
  });
}

/**
 * `POST …/users/{userId}/licenseupdates` → 201 LicenseUpdate. No free seat gives 400 60012 with the
 * documented data entry; the usage-location rule is Graph's (EMULATOR CHOICE: 400 3000 for it).
 */
function updateLicences(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { tenant } = customerOf(call, parameters.customerId ?? '');
  const user = customerUserOf(tenant, parameters.userId ?? '');
  const body = bodyObject(call);
  const toAssign = skuIds(body.licensesToAssign, 'LicensesToAssign');
  const toRemove = skuIds(body.licensesToRemove, 'LicensesToRemove').map((license) => license.skuId);
  if (toAssign.length > 0 && !user.usageLocation) throw invalidProperty('License assignment failed: the user has no usage location.');
  for (const skuId of [...toAssign.map((license) => license.skuId), ...toRemove]) {
    if (!tenant.skus.has(skuId)) throw invalidProperty(`SkuId ${skuId} is not a subscribed SKU of the customer.`);
  }
  for (const license of toAssign) {
    const sku = tenant.skus.get(license.skuId) as SubscribedSku;
    const assigned = user.assignedLicenses.some((existing) => existing.skuId === license.skuId);
    if (!assigned && consumedUnits(tenant, license.skuId) >= sku.enabledUnits) {
      throw new PartnerCenterError(400, 60012, 'The license update failed: the customer has run out of licenses for this product.', [
        `LicenseQuotaExceededException : Subscription for ${sku.skuPartNumber} has no available licenses.`,
      ]);
    }
  }
  const kept = user.assignedLicenses.filter(
    (existing) => !toRemove.includes(existing.skuId) && !toAssign.some((license) => license.skuId === existing.skuId),
  );
  user.assignedLicenses = [...kept, ...toAssign.map((license) => ({ skuId: license.skuId, disabledPlans: license.excludedPlans }))];
  return {
    status: 201,
    body: {
      licensesToAssign: toAssign.map((license) => ({ skuId: license.skuId, excludedPlans: license.excludedPlans })),
      licensesToRemove: toRemove,
      licenseWarnings: [],
      attributes: resourceAttributes('LicenseUpdate'),
    },
  };
}

/** `GET …/users/{userId}/licenses`: what the user holds. */
function listUserLicences(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { tenant } = customerOf(call, parameters.customerId ?? '');
  const user = customerUserOf(tenant, parameters.userId ?? '');
  const items = user.assignedLicenses.map((license) => {
    const sku = tenant.skus.get(license.skuId);
    return {
      servicePlans: [],
      productSku: { id: license.skuId, name: sku?.skuPartNumber ?? '', skuPartNumber: sku?.skuPartNumber ?? '', targetType: 'User', licenseGroupId: 'group1' },
      attributes: resourceAttributes('License'),
    };
  });
  return { status: 200, body: collection(call, items) };
}

const userPath = String.raw`^\/customers\/(?<customerId>[^/]+)\/users\/(?<userId>[^/]+)`;

export const licenceRoutes: readonly PartnerCenterRoute[] = [
  { method: 'GET', pattern: /^\/customers\/(?<customerId>[^/]+)\/subscribedskus\/?$/i, handler: listSubscribedSkus },
  { method: 'POST', pattern: new RegExp(`${userPath}\\/licenseupdates\\/?$`, 'i'), handler: updateLicences, appPlusUser: true },
  { method: 'GET', pattern: new RegExp(`${userPath}\\/licenses\\/?$`, 'i'), handler: listUserLicences },
];
