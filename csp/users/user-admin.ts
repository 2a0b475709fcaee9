import { randomInt } from 'node:crypto';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import type { CspCustomer } from '../data/tables.ts';
import type { CustomerGraph, GraphRefusalDetails } from '../graph/customer-graph.ts';
import { openCustomerGraph, type CustomerGraphDeps } from '../graph/open-customer-graph.ts';
import { checkUpn, noSeatsLeft, readTenantSkus, readVerifiedDomains, resolveSku, type TenantSku } from './tenant-facts.ts';

/** A customer tenant's user as the commands show it. */
export interface CustomerUserView {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly accountEnabled: boolean | null;
  readonly usageLocation: string | null;
  readonly licences: readonly { skuId: string; skuPartNumber: string | null }[];
}

interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled?: boolean | null;
  usageLocation?: string | null;
  assignedLicenses?: { skuId: string }[];
}

const userSelect = 'id,userPrincipalName,displayName,accountEnabled,usageLocation,assignedLicenses';

function view(user: GraphUser, skus: readonly TenantSku[]): CustomerUserView {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    accountEnabled: user.accountEnabled ?? null,
    usageLocation: user.usageLocation ?? null,
    licences: (user.assignedLicenses ?? []).map((licence) => ({ skuId: licence.skuId.toLowerCase(), skuPartNumber: skus.find((sku) => sku.skuId === licence.skuId.toLowerCase())?.skuPartNumber ?? null })),
  };
}

/**
 * A generated password Entra accepts (16 characters from all four classes), shown once and never
 * stored. Letters that look alike are left out so a person can type it.
 */
export function generatePassword(): string {
  const classes = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-=?@'];
  const all = classes.join('');
  const chars = classes.map((set) => set[randomInt(set.length)]!);
  while (chars.length < 16) chars.push(all[randomInt(all.length)]!);
  for (let index = chars.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    [chars[index], chars[other]] = [chars[other]!, chars[index]!];
  }
  return chars.join('');
}

async function open(deps: CustomerGraphDeps, customerRef: string): Promise<{ customer: CspCustomer; graph: CustomerGraph }> {
  const customer = await requireCustomer(deps.db, customerRef);
  return { customer, graph: await openCustomerGraph(deps, customer) };
}

function graphCode(error: unknown): { status: number; graphCode: string } | undefined {
  if (!isLanyardError(error, 'CSP_GRAPH_REFUSED')) return undefined;
  const details = error.details as GraphRefusalDetails;
  return { status: details.status, graphCode: details.graphCode };
}

async function findUser(customer: CspCustomer, graph: CustomerGraph, upn: string): Promise<GraphUser> {
  try {
    return (await graph.call<GraphUser>('GET', `/users/${encodeURIComponent(upn.trim())}`, { query: { $select: userSelect } })).body;
  } catch (error) {
    if (graphCode(error)?.status === 404) throw new LanyardError('CSP_USER_NOT_FOUND', `customer ${customer.domain} has no user ${upn.trim()}; see \`lanyard csp user list ${customer.domain}\``, { upn: upn.trim() });
    throw error;
  }
}

/** Assigns / removes through Graph's assignLicense, turning "no available licenses" into CSP_NO_SEATS_LEFT with fresh numbers. */
async function changeLicences(customer: CspCustomer, graph: CustomerGraph, userId: string, add: readonly TenantSku[], remove: readonly TenantSku[]): Promise<GraphUser> {
  try {
    const body = { addLicenses: add.map((sku) => ({ skuId: sku.skuId, disabledPlans: [] })), removeLicenses: remove.map((sku) => sku.skuId) };
    return (await graph.call<GraphUser>('POST', `/users/${encodeURIComponent(userId)}/assignLicense`, { body })).body;
  } catch (error) {
    const refused = graphCode(error);
    const message = error instanceof Error ? error.message : '';
    if (refused?.status === 400 && /does not have any available licenses/i.test(message)) {
      const skus = await readTenantSkus(graph);
      const full = add.map((sku) => skus.find((now) => now.skuId === sku.skuId) ?? sku).find((sku) => sku.available < 1) ?? add[0]!;
      throw noSeatsLeft(customer, full);
    }
    if (refused?.status === 400 && /invalid usage location/i.test(message)) {
      throw new LanyardError('CSP_USAGE_LOCATION_MISSING', `the user has no usage location, which Microsoft requires before a licence; set it: \`lanyard csp user change ${customer.domain} <upn> --usage-location <CC>\``, {});
    }
    throw error;
  }
}

export interface AddUserInput {
  readonly upn: string;
  readonly displayName: string;
  readonly licences?: readonly string[];
  readonly usageLocation?: string;
}

/**
 * Adds a user to the customer's tenant through Graph (delegated access): the UPN's domain must be
 * a verified domain of that tenant; each licence named must be subscribed and have a free seat,
 * checked before anything is written. The generated password is returned once (never stored or
 * logged); the user changes it at first sign-in. If the licence assignment fails after all (a seat
 * taken meanwhile), the user just made is deleted again, so nothing is left half-done.
 *
 * @example
 *   const { user, password } = await addCustomerUser(deps, 'fabrikam.onmicrosoft.com', { upn: 'ada@fabrikam.example', displayName: 'Ada', licences: ['O365_BUSINESS_ESSENTIALS'] }, 'cli');
 */
export async function addCustomerUser(deps: CustomerGraphDeps, customerRef: string, input: AddUserInput, actor: string): Promise<{ customer: string; user: CustomerUserView; password: string }> {
  const { customer, graph } = await open(deps, customerRef);
  const displayName = input.displayName.trim();
  if (!displayName || displayName.length > 256) throw new LanyardError('CSP_USER_INPUT_INVALID', 'the display name (--name) must have 1 to 256 characters', { field: 'name' });
  const usageLocation = (input.usageLocation ?? customer.country ?? '').toUpperCase();
  if (usageLocation && !/^[A-Z]{2}$/.test(usageLocation)) throw new LanyardError('CSP_USER_INPUT_INVALID', `usage location "${usageLocation}" is not a two-letter country code`, { field: 'usage-location' });
  const upn = checkUpn(customer, input.upn, await readVerifiedDomains(graph));
  const skus = input.licences?.length ? await readTenantSkus(graph) : [];
  const wanted = (input.licences ?? []).map((name) => resolveSku(customer, skus, name));
  const full = wanted.find((sku) => sku.available < 1);
  if (full) throw noSeatsLeft(customer, full);
  if (wanted.length > 0 && !usageLocation) {
    throw new LanyardError('CSP_USAGE_LOCATION_MISSING', `a licensed user needs a usage location and customer ${customer.domain} has no country; give --usage-location <CC>`, {});
  }

  const password = generatePassword();
  let created: GraphUser;
  try {
    created = (
      await graph.call<GraphUser>('POST', '/users', {
        body: {
          accountEnabled: true,
          displayName,
          mailNickname: upn.slice(0, upn.indexOf('@')).replace(/[^A-Za-z0-9'.\-_!#^~]/g, '').slice(0, 64),
          userPrincipalName: upn,
          ...(usageLocation ? { usageLocation } : {}),
          passwordProfile: { forceChangePasswordNextSignIn: true, password },
        },
      })
    ).body;
  } catch (error) {
    if (graphCode(error)?.status === 400 && /already exists/i.test(error instanceof Error ? error.message : '')) {
      throw new LanyardError('CSP_USER_EXISTS', `customer ${customer.domain} has a user ${upn} already`, { upn });
    }
    throw error;
  }
  let user: GraphUser = { ...created, usageLocation: usageLocation || null, accountEnabled: true, assignedLicenses: [] };
  if (wanted.length > 0) {
    try {
      await changeLicences(customer, graph, created.id, wanted, []);
      // assignLicense answers with the default property set, which has no assignedLicenses: read them back.
      user = await findUser(customer, graph, created.id);
    } catch (error) {
      await graph.call('DELETE', `/users/${encodeURIComponent(created.id)}`).catch(() => undefined);
      throw error;
    }
  }
  await recordAuditEvent(deps.db, { actor, action: 'csp.user.add', target: upn, outcome: 'success', details: { customer: customer.domain, licences: wanted.map((sku) => sku.skuPartNumber) } }, deps.clock.now());
  return { customer: customer.domain, user: view(user, skus), password };
}

export async function listCustomerTenantUsers(deps: CustomerGraphDeps, customerRef: string): Promise<{ customer: string; users: CustomerUserView[] }> {
  const { customer, graph } = await open(deps, customerRef);
  const skus = await readTenantSkus(graph);
  const users = await graph.all<GraphUser>('/users', { $select: userSelect, $top: '999' });
  return { customer: customer.domain, users: users.map((user) => view(user, skus)).sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName)) };
}

export interface ChangeUserInput {
  readonly displayName?: string;
  readonly newUpn?: string;
  readonly accountEnabled?: boolean;
  readonly usageLocation?: string;
}

/** Changes a user's name, UPN (verified domains only), sign-in (enabled) or usage location: one PATCH. */
export async function changeCustomerUser(deps: CustomerGraphDeps, customerRef: string, upn: string, input: ChangeUserInput, actor: string): Promise<{ customer: string; user: CustomerUserView; changed: string[] }> {
  const { customer, graph } = await open(deps, customerRef);
  const changes: Record<string, unknown> = {};
  if (input.displayName !== undefined) {
    const name = input.displayName.trim();
    if (!name || name.length > 256) throw new LanyardError('CSP_USER_INPUT_INVALID', 'the display name (--name) must have 1 to 256 characters', { field: 'name' });
    changes.displayName = name;
  }
  if (input.newUpn !== undefined) changes.userPrincipalName = checkUpn(customer, input.newUpn, await readVerifiedDomains(graph));
  if (input.accountEnabled !== undefined) changes.accountEnabled = input.accountEnabled;
  if (input.usageLocation !== undefined) {
    const location = input.usageLocation.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(location)) throw new LanyardError('CSP_USER_INPUT_INVALID', `usage location "${location}" is not a two-letter country code`, { field: 'usage-location' });
    changes.usageLocation = location;
  }
  if (Object.keys(changes).length === 0) throw new LanyardError('USAGE', 'nothing to change: give --name, --new-upn, --enable / --disable or --usage-location', {});
  const user = await findUser(customer, graph, upn);
  await graph.call('PATCH', `/users/${encodeURIComponent(user.id)}`, { body: changes });
  await recordAuditEvent(deps.db, { actor, action: 'csp.user.change', target: user.userPrincipalName, outcome: 'success', details: { customer: customer.domain, changed: Object.keys(changes) } }, deps.clock.now());
  const after = await findUser(customer, graph, user.id);
  return { customer: customer.domain, user: view(after, await readTenantSkus(graph)), changed: Object.keys(changes) };
}

export async function removeCustomerUser(deps: CustomerGraphDeps, customerRef: string, upn: string, actor: string): Promise<{ customer: string; removed: string; id: string }> {
  const { customer, graph } = await open(deps, customerRef);
  const user = await findUser(customer, graph, upn);
  await graph.call('DELETE', `/users/${encodeURIComponent(user.id)}`);
  await recordAuditEvent(deps.db, { actor, action: 'csp.user.remove', target: user.userPrincipalName, outcome: 'success', details: { customer: customer.domain } }, deps.clock.now());
  return { customer: customer.domain, removed: user.userPrincipalName, id: user.id };
}

/** Assigns (or removes) one subscribed SKU; assigning checks the free seats first (CSP_NO_SEATS_LEFT). */
export async function changeCustomerLicence(deps: CustomerGraphDeps, customerRef: string, upn: string, skuName: string, action: 'assign' | 'remove', actor: string): Promise<{ customer: string; user: CustomerUserView; sku: TenantSku }> {
  const { customer, graph } = await open(deps, customerRef);
  const skus = await readTenantSkus(graph);
  const sku = resolveSku(customer, skus, skuName);
  const user = await findUser(customer, graph, upn);
  const holds = (user.assignedLicenses ?? []).some((licence) => licence.skuId.toLowerCase() === sku.skuId);
  if (action === 'assign' && !holds && sku.available < 1) throw noSeatsLeft(customer, sku);
  if (action === 'assign') await changeLicences(customer, graph, user.id, [sku], []);
  else await changeLicences(customer, graph, user.id, [], holds ? [sku] : []);
  const after = await findUser(customer, graph, user.id);
  await recordAuditEvent(deps.db, { actor, action: `csp.licence.${action}`, target: user.userPrincipalName, outcome: 'success', details: { customer: customer.domain, sku: sku.skuPartNumber } }, deps.clock.now());
  const skusAfter = await readTenantSkus(graph);
  return { customer: customer.domain, user: view(after, skusAfter), sku: skusAfter.find((now) => now.skuId === sku.skuId) ?? sku };
}

export async function listCustomerLicences(deps: CustomerGraphDeps, customerRef: string): Promise<{ customer: string; licences: TenantSku[] }> {
  const { customer, graph } = await open(deps, customerRef);
  return { customer: customer.domain, licences: (await readTenantSkus(graph)).sort((a, b) => a.skuPartNumber.localeCompare(b.skuPartNumber)) };
}

/** One user of the customer's tenant by object id or UPN (CSP_USER_NOT_FOUND otherwise). */
export async function findCustomerTenantUser(deps: CustomerGraphDeps, customerRef: string, idOrUpn: string): Promise<{ customer: string; user: CustomerUserView }> {
  const { customer, graph } = await open(deps, customerRef);
  return { customer: customer.domain, user: view(await findUser(customer, graph, idOrUpn), await readTenantSkus(graph)) };
}

/** What a user's form offers: the tenant's verified domains (the only UPN domains allowed) and its subscribed SKUs with seats. */
export async function customerUserChoices(deps: CustomerGraphDeps, customerRef: string): Promise<{ customer: string; verifiedDomains: string[]; licences: TenantSku[] }> {
  const { customer, graph } = await open(deps, customerRef);
  const [verifiedDomains, skus] = await Promise.all([readVerifiedDomains(graph), readTenantSkus(graph)]);
  return { customer: customer.domain, verifiedDomains, licences: skus.sort((a, b) => a.skuPartNumber.localeCompare(b.skuPartNumber)) };
}
