import { replaceCustomerLicences } from '../data/customers.ts';
import { storeCustomerUsers, type SeenCustomerUser, type StoreUsersReport } from '../data/customer-users.ts';
import { clearSyncErrors, recordSyncError } from '../data/sync-errors.ts';
import type { SyncSettings } from '../data/sync-settings.ts';
import type { CspCustomer, CspPartner } from '../data/tables.ts';
import type { SyncStep } from '../data/sync-tables.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import type { CustomerGraph, GraphRefusalDetails } from '../graph/customer-graph.ts';
import { noPremiumRemediation } from '../graph/graph-remediation.ts';
import { openCustomerGraph, type CustomerGraphDeps } from '../graph/open-customer-graph.ts';
import { readTenantSkus } from '../users/tenant-facts.ts';
import { describeSyncFailure } from './sync-failure.ts';

export interface CustomerSyncReport {
  readonly customer: string;
  readonly ok: boolean;
  readonly licences: number | null;
  readonly users: (StoreUsersReport & { total: number; serviceUsers: number; billable: number }) | null;
  readonly errors: readonly { step: SyncStep; code: string }[];
}

interface GraphUser {
  id: string;
  userPrincipalName: string;
  mail?: string | null;
  mailNickname?: string | null;
  displayName?: string | null;
  accountEnabled?: boolean | null;
  assignedLicenses?: { skuId: string }[];
  signInActivity?: { lastSignInDateTime?: string | null } | null;
}

const baseSelect = 'id,userPrincipalName,mail,mailNickname,displayName,accountEnabled,assignedLicenses';

/**
 * One customer's part of the recurring import: its licences (Graph's subscribedSkus, stored as the
 * customer's licence snapshot), then its users (every page of /users), stored with the billing
 * decision (settings). Each step that fails is recorded in the error table with its remediation and
 * the customer's other steps still run when they can; a step that works clears its old errors.
 * Never throws for the customer's own failures, so one customer never stops the others.
 */
export async function syncCustomer(deps: CustomerGraphDeps, partner: CspPartner, customer: CspCustomer, settings: SyncSettings): Promise<CustomerSyncReport> {
  const errors: { step: SyncStep; code: string }[] = [];
  const fail = async (step: SyncStep, error: unknown) => {
    const failure = describeSyncFailure(error);
    errors.push({ step, code: failure.code });
    await recordSyncError(deps.db, { partnerId: partner.id, customer, step, ...failure }, deps.clock.now());
  };
  const graph = await openCustomerGraph(deps, customer, partner);

  let licences: number | null = null;
  try {
    const skus = await readTenantSkus(graph);
    await replaceCustomerLicences(deps.db, customer.id, skus.map((sku) => ({ skuId: sku.skuId, skuPartNumber: sku.skuPartNumber, total: sku.total, consumed: sku.consumed })), deps.clock.now());
    await clearSyncErrors(deps.db, partner.id, customer.id, 'licences');
    licences = skus.length;
  } catch (error) {
    await fail('licences', error);
    // The customer tenant's token was refused: the users step would meet the same refusal.
    if (isLanyardError(error, 'CSP_TOKEN_REFUSED') || isLanyardError(error, 'CSP_NO_REFRESH_TOKEN')) return { customer: customer.domain, ok: false, licences, users: null, errors };
  }

  let users: CustomerSyncReport['users'] = null;
  try {
    const members = settings.billingGroup ? await billingGroupMembers(graph, customer, settings.billingGroup) : undefined;
    const { seen, premiumMissing } = await readUsers(graph, settings, members);
    const stored = await storeCustomerUsers(deps.db, customer.id, seen, settings.matchFields, deps.clock.now());
    await clearSyncErrors(deps.db, partner.id, customer.id, 'users');
    if (premiumMissing) {
      await fail('users', premiumMissing);
    }
    const serviceUsers = seen.filter((user) => user.serviceUser).length;
    users = { ...stored, total: seen.length, serviceUsers, billable: seen.length - serviceUsers };
  } catch (error) {
    await fail('users', error);
  }
  return { customer: customer.domain, ok: errors.length === 0, licences, users, errors };
}

/**
 * Every user of the tenant. With `signInActivity` asked for, a tenant without Entra ID P1 refuses
 * (403): the users are read again without it, and the refusal is returned to be recorded.
 */
async function readUsers(graph: CustomerGraph, settings: SyncSettings, members: ReadonlySet<string> | undefined): Promise<{ seen: SeenCustomerUser[]; premiumMissing: unknown }> {
  if (settings.signInActivity) {
    try {
      return { seen: await readUserPages(graph, settings, members, true), premiumMissing: undefined };
    } catch (error) {
      const details = isLanyardError(error, 'CSP_GRAPH_REFUSED') ? (error.details as GraphRefusalDetails) : undefined;
      if (details?.status !== 403 || details.remediation !== noPremiumRemediation) throw error;
      return { seen: await readUserPages(graph, settings, members, false), premiumMissing: error };
    }
  }
  return { seen: await readUserPages(graph, settings, members, false), premiumMissing: undefined };
}

async function readUserPages(graph: CustomerGraph, settings: SyncSettings, members: ReadonlySet<string> | undefined, withSignIn: boolean): Promise<SeenCustomerUser[]> {
  const seen: SeenCustomerUser[] = [];
  const query = { $select: withSignIn ? `${baseSelect},signInActivity` : baseSelect, $top: withSignIn ? '500' : '999' };
  const billingSkus = new Set(settings.billingSkuIds.map((id) => id.toLowerCase()));
  for await (const page of graph.pages<GraphUser>('/users', query)) {
    for (const user of page) {
      const skuIds = (user.assignedLicenses ?? []).map((licence) => licence.skuId.toLowerCase());
      const enabled = user.accountEnabled !== false;
      const reason =
        !enabled && !settings.ignoreAccountEnabled
          ? 'account disabled'
          : members && !members.has(user.id)
            ? 'outside the billing group'
            : billingSkus.size > 0 && !skuIds.some((id) => billingSkus.has(id))
              ? 'none of the billing licences'
              : null;
      seen.push({
        objectId: user.id,
        upn: user.userPrincipalName,
        mail: user.mail ?? null,
        login: user.mailNickname ?? null,
        displayName: user.displayName ?? user.userPrincipalName,
        accountEnabled: enabled,
        skuIds,
        serviceUser: reason !== null,
        serviceReason: reason,
        lastSignInAt: user.signInActivity?.lastSignInDateTime ?? null,
      });
    }
  }
  return seen;
}

/**
 * The object ids of the billing group's members (transitive) in this tenant; the group is named
 * (the same name in every customer tenant). CSP_BILLING_GROUP_NOT_FOUND when the tenant has none.
 */
async function billingGroupMembers(graph: CustomerGraph, customer: CspCustomer, name: string): Promise<Set<string>> {
  const groups = await graph.all<{ id: string }>('/groups', { $filter: `displayName eq '${name.replaceAll("'", "''")}'`, $select: 'id,displayName' });
  if (groups.length === 0) {
    throw new LanyardError('CSP_BILLING_GROUP_NOT_FOUND', `customer ${customer.domain} has no group named "${name}", so its users cannot be told from service users; create the group there or change \`csp sync configure --billing-group\``, { group: name });
  }
  const members = new Set<string>();
  for (const group of groups) {
    for await (const page of graph.pages<{ id: string }>(`/groups/${encodeURIComponent(group.id)}/transitiveMembers`, { $select: 'id' })) for (const member of page) members.add(member.id);
  }
  return members;
}
