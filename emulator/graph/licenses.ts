import type { SubscribedSku, Tenant } from '../state/model.ts';
import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { badRequest } from './errors.ts';
import { contextUrl, parseSelect, project } from './odata.ts';
import { findUserOrThrow, userResource, userWriteRoles } from './users.ts';

const skuReadRoles = [
  'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.Read.All',
  'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All',
];
const assignRoles = ['LicenseAssignment.ReadWrite.All', ...userWriteRoles];
const skuProperties = [
  'accountId', 'accountName', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'id', 'prepaidUnits',
  'servicePlans', 'skuId', 'skuPartNumber', 'subscriptionIds',
];

/** Seats in use are counted from users' assignedLicenses, so they can never disagree. */
function consumedUnits(tenant: Tenant, skuId: string): number {
  let count = 0;
  for (const user of tenant.users.values()) {
    if (user.assignedLicenses.some((license) => license.skuId === skuId)) count += 1;
  }
  return count;
}

function skuResource(tenant: Tenant, sku: SubscribedSku): Record<string, unknown> {
  return {
    accountId: tenant.id,
    accountName: tenant.name,
    appliesTo: 'User',
    capabilityStatus: sku.capabilityStatus,
    consumedUnits: consumedUnits(tenant, sku.skuId),
    id: `${tenant.id}_${sku.skuId}`,
    prepaidUnits: { enabled: sku.enabledUnits, lockedOut: 0, suspended: 0, warning: 0 },
    servicePlans: sku.servicePlans.map((plan) => ({ ...plan, provisioningStatus: 'Success', appliesTo: 'User' })),
    skuId: sku.skuId,
    skuPartNumber: sku.skuPartNumber,
    subscriptionIds: [],
  };
}

/** GET /subscribedSkus; supports only `$select`. */
function listSubscribedSkus(call: GraphCall): GraphResponse {
  requireAnyRole(call, skuReadRoles);
  if (call.request.query.has('$filter')) throw badRequest('$filter is not supported on subscribedSkus.');
  const select = parseSelect(call, 'subscribedSku', skuProperties);
  const tenant = call.caller.tenant;
  const value = [...tenant.skus.values()].map((sku) => {
    const resource = skuResource(tenant, sku);
    return select ? project(resource, select) : resource;
  });
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, 'subscribedSkus'), value } };
}

interface LicenseRequest {
  readonly addLicenses: readonly { skuId: string; disabledPlans: string[] }[];
  readonly removeLicenses: readonly string[];
}

function parseLicenseRequest(body: unknown): LicenseRequest {
  const input = body as Record<string, unknown> | null;
  // Graph requires both arrays, even when one is empty.
  if (!input || !Array.isArray(input.addLicenses) || !Array.isArray(input.removeLicenses)) {
    throw badRequest('Both addLicenses and removeLicenses are required; send an empty array when there is nothing to change.');
  }
  const addLicenses = input.addLicenses.map((entry: unknown) => {
    const license = entry as Record<string, unknown> | null;
    if (typeof license?.skuId !== 'string') throw badRequest('Each addLicenses entry needs a skuId.');
    const disabledPlans = license.disabledPlans ?? [];
    if (!Array.isArray(disabledPlans) || !disabledPlans.every((plan) => typeof plan === 'string')) {
      throw badRequest('disabledPlans must be an array of service plan ids.');
    }
    return { skuId: license.skuId, disabledPlans: disabledPlans as string[] };
  });
  if (!input.removeLicenses.every((skuId) => typeof skuId === 'string')) throw badRequest('removeLicenses must be an array of skuIds.');
  return { addLicenses, removeLicenses: input.removeLicenses as string[] };
}

/** POST /users/{id}/assignLicense → 200 with the user; needs usageLocation and a free seat per SKU. */
function assignLicense(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, assignRoles);
  const tenant = call.caller.tenant;
  const user = findUserOrThrow(tenant, parameters.userId ?? '');
  const request = parseLicenseRequest(call.request.body);
  if (request.addLicenses.length > 0 && !user.usageLocation) {
    throw badRequest('License assignment cannot be done for user with invalid usage location.');
  }
  for (const skuId of [...request.addLicenses.map((license) => license.skuId), ...request.removeLicenses]) {
    if (!tenant.skus.has(skuId)) throw badRequest(`License ${skuId} does not correspond to a valid company License.`);
  }
  for (const license of request.addLicenses) {
    const sku = tenant.skus.get(license.skuId) as SubscribedSku;
    const alreadyAssigned = user.assignedLicenses.some((assigned) => assigned.skuId === license.skuId);
    if (!alreadyAssigned && consumedUnits(tenant, license.skuId) >= sku.enabledUnits) {
      throw badRequest(`Subscription with SKU ${license.skuId} does not have any available licenses.`);
    }
  }
  const kept = user.assignedLicenses.filter(
    (assigned) =>
      !request.removeLicenses.includes(assigned.skuId) &&
      !request.addLicenses.some((added) => added.skuId === assigned.skuId),
  );
  user.assignedLicenses = [...kept, ...request.addLicenses.map((license) => ({ ...license }))];
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': contextUrl(call, 'users/$entity'), ...userResource(user, undefined) },
  };
}

export const licenseRoutes: readonly GraphRoute[] = [
  { method: 'GET', pattern: /^\/subscribedSkus\/?$/, handler: listSubscribedSkus },
  { method: 'POST', pattern: /^\/users\/(?<userId>[^/]+)\/assignLicense\/?$/, handler: assignLicense },
];
