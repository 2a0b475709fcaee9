import type { Client } from '@microsoft/microsoft-graph-client';
import type { Db } from '../../core/db/database.ts';
import { insertTenantUsers } from '../data/provisioning-tenant-users.ts';
import type { TenantUserRow } from '../data/tables.ts';
import { withGraphRetry, type GraphCallStats } from '../graph/retry.ts';

/** Properties a run needs; most are returned only on `$select` (Graph user resource). */
const userProperties = ['id', 'userPrincipalName', 'onPremisesImmutableId', 'displayName', 'givenName', 'surname', 'usageLocation', 'accountEnabled', 'assignedLicenses'];
/** Graph's largest page for users. */
const pageSize = 999;

interface GraphUser {
  id: string;
  userPrincipalName: string;
  onPremisesImmutableId: string | null;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  usageLocation: string | null;
  accountEnabled: boolean | null;
  assignedLicenses: { skuId: string }[] | null;
}

/**
 * Reads every user of the tenant page by page (following `@odata.nextLink` verbatim, each page
 * retried on its own) into the run's snapshot table. Only one page is in memory at a time.
 *
 * @example
 *   const count = await snapshotTenantUsers(client, db, run.id, stats, (read) => progress(read));
 */
export async function snapshotTenantUsers(
  client: Client,
  db: Db,
  runId: string,
  stats: GraphCallStats,
  onPage?: (read: number) => Promise<void>,
): Promise<number> {
  let url: string | undefined = `/users?$select=${userProperties.join(',')}&$top=${pageSize}`;
  let read = 0;
  while (url) {
    const pageUrl: string = url;
    const page = (await withGraphRetry(() => client.api(pageUrl).get(), { stats })) as { value: GraphUser[]; '@odata.nextLink'?: string };
    await insertTenantUsers(db, page.value.map((user) => toRow(runId, user)));
    read += page.value.length;
    url = page['@odata.nextLink'];
    await onPage?.(read);
  }
  return read;
}

function toRow(runId: string, user: GraphUser): TenantUserRow {
  return {
    runId,
    objectId: user.id,
    upn: user.userPrincipalName.toLowerCase(),
    immutableId: user.onPremisesImmutableId ?? null,
    displayName: user.displayName ?? null,
    givenName: user.givenName ?? null,
    surname: user.surname ?? null,
    usageLocation: user.usageLocation ?? null,
    accountEnabled: user.accountEnabled === false ? 0 : 1,
    licenceSkuIds: JSON.stringify((user.assignedLicenses ?? []).map((licence) => licence.skuId)),
  };
}

export interface TenantDomain {
  readonly name: string;
  readonly authenticationType: 'Managed' | 'Federated';
  readonly isVerified: boolean;
}

/** The tenant's domains by lower-case name. */
export async function readTenantDomains(client: Client, stats: GraphCallStats): Promise<Map<string, TenantDomain>> {
  const answer = (await withGraphRetry(() => client.api('/domains').get(), { stats })) as { value: { id: string; authenticationType: string; isVerified: boolean }[] };
  return new Map(
    answer.value.map((domain) => [
      domain.id.toLowerCase(),
      { name: domain.id.toLowerCase(), authenticationType: domain.authenticationType === 'Federated' ? 'Federated' : 'Managed', isVerified: domain.isVerified },
    ]),
  );
}

export type DomainPlacement =
  | { readonly kind: 'outside' }
  | { readonly kind: 'not-in-tenant'; readonly domain: string }
  | { readonly kind: 'in-tenant'; readonly domain: TenantDomain };

/**
 * Where a UPN stands: outside the organization's domains (its own or a subdomain of one), in an
 * organization domain the tenant does not have verified, or in a verified tenant domain.
 */
export function placeUpn(upn: string, organizationDomains: readonly string[], tenantDomains: ReadonlyMap<string, TenantDomain>): DomainPlacement {
  const suffix = upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
  if (!organizationDomains.some((domain) => suffix === domain || suffix.endsWith(`.${domain}`))) return { kind: 'outside' };
  const domain = tenantDomains.get(suffix);
  if (!domain?.isVerified) return { kind: 'not-in-tenant', domain: suffix };
  return { kind: 'in-tenant', domain };
}
