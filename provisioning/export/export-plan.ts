import type { User } from '../../core/db/schema.ts';
import type { TenantUserRow } from '../data/tables.ts';
import { placeUpn, type TenantDomain } from '../runs/tenant-snapshot.ts';

export interface ExportInputs {
  readonly organizationDomains: readonly string[];
  readonly tenantDomains: ReadonlyMap<string, TenantDomain>;
  readonly defaultLicenceSkuIds: readonly string[];
  readonly defaultUsageLocation: string | null;
}

/** Graph user properties export sets (never the password, which is added when sending). */
export type UserChanges = Record<string, string | boolean | null>;

/** What export does with one account. */
export type ExportDecision =
  | { readonly kind: 'skip'; readonly code: string; readonly message: string }
  | { readonly kind: 'fail'; readonly code: string; readonly message: string; readonly objectId?: string }
  | { readonly kind: 'create'; readonly properties: UserChanges; readonly licences: readonly string[]; readonly usageLocation: string | null }
  | {
      readonly kind: 'update';
      readonly objectId: string;
      readonly changes: UserChanges;
      readonly licences: readonly string[];
      readonly usageLocation: string | null;
      /** The account is disabled in Lanyard and this turns the tenant user off (counted by the guard). */
      readonly disables: boolean;
    };

/**
 * Decides one account against its tenant user (found by immutable ID, else by UPN): create what is
 * missing, update what differs, add default licences the user lacks, turn off users whose account
 * is disabled. Attributes Lanyard does not know (null) never erase the tenant's values.
 */
export function decideExport(user: User, tenantUser: TenantUserRow | undefined, inputs: ExportInputs): ExportDecision {
  const placement = placeUpn(user.upn, inputs.organizationDomains, inputs.tenantDomains);
  if (placement.kind === 'outside') return { kind: 'skip', code: 'OUTSIDE_ORG_DOMAINS', message: 'the UPN is not in a domain of this organization' };
  if (placement.kind === 'not-in-tenant') {
    return { kind: 'skip', code: 'DOMAIN_NOT_IN_TENANT', message: `${placement.domain} is not a verified domain of the tenant` };
  }
  if (user.status === 'pending') return { kind: 'skip', code: 'ACCOUNT_PENDING', message: 'the account is not activated yet' };
  if (!tenantUser) {
    if (user.status === 'disabled') return { kind: 'skip', code: 'ACCOUNT_DISABLED', message: 'the account is disabled and not in the tenant' };
    const alias = user.upn.slice(0, user.upn.lastIndexOf('@'));
    const usageLocation = user.usageLocation ?? inputs.defaultUsageLocation;
    const properties: UserChanges = {
      accountEnabled: true,
      displayName: user.displayName ?? alias,
      mailNickname: alias,
      userPrincipalName: user.upn,
      onPremisesImmutableId: user.immutableId,
      ...(user.givenName ? { givenName: user.givenName } : {}),
      ...(user.surname ? { surname: user.surname } : {}),
      ...(usageLocation ? { usageLocation } : {}),
    };
    return { kind: 'create', properties, licences: inputs.defaultLicenceSkuIds, usageLocation };
  }
  const changes: UserChanges = {};
  if (tenantUser.immutableId !== user.immutableId) {
    if (tenantUser.immutableId) {
      return {
        kind: 'fail',
        objectId: tenantUser.objectId,
        code: 'IMMUTABLE_ID_CONFLICT',
        message: `the tenant user ${tenantUser.upn} has immutable ID ${tenantUser.immutableId}, the account ${user.immutableId}; one person cannot have two: correct one of them`,
      };
    }
    if (placement.domain.authenticationType === 'Federated') {
      return {
        kind: 'fail',
        objectId: tenantUser.objectId,
        code: 'IMMUTABLE_ID_FEDERATED_DOMAIN',
        message:
          `the tenant user has no onPremisesImmutableId and ${placement.domain.name} is federated, where Graph cannot set one. ` +
          `Change its UPN to the tenant's .onmicrosoft.com domain, set onPremisesImmutableId to ${user.immutableId}, change the UPN back and export again.`,
      };
    }
    changes.onPremisesImmutableId = user.immutableId;
  }
  if (tenantUser.upn !== user.upn) changes.userPrincipalName = user.upn;
  for (const [property, value] of [['displayName', user.displayName], ['givenName', user.givenName], ['surname', user.surname]] as const) {
    if (value !== null && value !== tenantUser[property]) changes[property] = value;
  }
  // The account's own usage location is Lanyard's to keep; the organization's default only fills a gap.
  if (user.usageLocation && user.usageLocation !== tenantUser.usageLocation) changes.usageLocation = user.usageLocation;
  else if (!user.usageLocation && !tenantUser.usageLocation && inputs.defaultUsageLocation) changes.usageLocation = inputs.defaultUsageLocation;
  const enabled = user.status === 'active';
  if (enabled !== (tenantUser.accountEnabled === 1)) changes.accountEnabled = enabled;
  const assigned = new Set(JSON.parse(tenantUser.licenceSkuIds) as string[]);
  return {
    kind: 'update',
    objectId: tenantUser.objectId,
    changes,
    licences: enabled ? inputs.defaultLicenceSkuIds.filter((skuId) => !assigned.has(skuId)) : [],
    usageLocation: user.usageLocation ?? tenantUser.usageLocation ?? inputs.defaultUsageLocation,
    disables: !enabled && tenantUser.accountEnabled === 1,
  };
}
