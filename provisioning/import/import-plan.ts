import { generateImmutableId } from '../../idp/accounts/users.ts';
import { validateImmutableId } from '../../idp/accounts/validation.ts';
import { isLanyardError } from '../../core/errors.ts';
import type { User } from '../../core/db/schema.ts';
import type { TenantUserRow } from '../data/tables.ts';
import { normalizeUpn } from '../../core/upn.ts';
import { placeUpn, type TenantDomain } from '../runs/tenant-snapshot.ts';

/** What import does with one tenant user. */
export type ImportDecision =
  | { readonly kind: 'skip'; readonly code: string; readonly message: string }
  | { readonly kind: 'fail'; readonly code: string; readonly message: string; readonly details?: Record<string, unknown> }
  /**
   * An existing account; `writeBack` is its immutable ID when the tenant user has none yet. `renameTo`:
   * the tenant renamed an account Lanyard imported from it, so Lanyard follows. `upnDiffers`: the
   * tenant's UPN differs from an account Lanyard owns (local or directory), which keeps its own.
   */
  | { readonly kind: 'match'; readonly user: User; readonly writeBack: string | undefined; readonly renameTo?: string; readonly upnDiffers?: string }
  /** A new pending account; `writeBack` when Lanyard generated the immutable ID. */
  | { readonly kind: 'create'; readonly immutableId: string; readonly writeBack: string | undefined };

export interface ImportLookups {
  readonly organizationId: string;
  readonly organizationDomains: readonly string[];
  readonly tenantDomains: ReadonlyMap<string, TenantDomain>;
  /** Lanyard accounts (any organization) by immutable ID and by UPN, for this page. */
  readonly byImmutableId: ReadonlyMap<string, User>;
  readonly byUpn: ReadonlyMap<string, User>;
}

/**
 * Decides one tenant user: match an account by immutable ID, then by UPN (never a second account
 * for the same person), or create one. When the tenant user has no onPremisesImmutableId, Lanyard's
 * ID must be written to the tenant first, which Graph allows only while the domain is managed.
 */
export function decideImport(tenantUser: TenantUserRow, lookups: ImportLookups): ImportDecision {
  const placement = placeUpn(tenantUser.upn, lookups.organizationDomains, lookups.tenantDomains);
  if (placement.kind === 'outside') {
    return { kind: 'skip', code: 'OUTSIDE_ORG_DOMAINS', message: 'the UPN is not in a domain of this organization' };
  }
  const invalid = invalidUpn(tenantUser.upn);
  if (invalid) return invalid;
  const federated = placement.kind === 'in-tenant' && placement.domain.authenticationType === 'Federated';
  const needsWriteBack = (immutableId: string) => (federated ? federatedWriteBack(tenantUser, immutableId) : undefined);

  if (tenantUser.immutableId) {
    const owner = lookups.byImmutableId.get(tenantUser.immutableId);
    if (owner) {
      if (owner.organizationId !== lookups.organizationId) {
        return { kind: 'fail', code: 'IMMUTABLE_ID_TAKEN', message: 'the immutable ID belongs to an account of another organization' };
      }
      if (owner.upn === tenantUser.upn) return { kind: 'match', user: owner, writeBack: undefined };
      // Same person, new name in the tenant. The tenant is the source of imported accounts only.
      if (owner.source !== 'imported') return { kind: 'match', user: owner, writeBack: undefined, upnDiffers: tenantUser.upn };
      const holder = lookups.byUpn.get(tenantUser.upn);
      if (holder) {
        return { kind: 'fail', code: 'UPN_TAKEN', message: `the tenant renamed ${owner.upn} to ${tenantUser.upn}, which another Lanyard account has; rename or remove that account, then import again` };
      }
      return { kind: 'match', user: owner, writeBack: undefined, renameTo: tenantUser.upn };
    }
  }
  const sameName = lookups.byUpn.get(tenantUser.upn);
  if (sameName && sameName.organizationId !== lookups.organizationId) {
    // Matching it would tie this tenant's user to another organization's account.
    return { kind: 'fail', code: 'UPN_TAKEN', message: 'the UPN belongs to an account of another organization' };
  }
  if (sameName) {
    if (tenantUser.immutableId && tenantUser.immutableId !== sameName.immutableId) {
      return {
        kind: 'fail',
        code: 'IMMUTABLE_ID_CONFLICT',
        message: `the Lanyard account has immutable ID ${sameName.immutableId} and the tenant user ${tenantUser.immutableId}; one person cannot have two: correct one of them`,
      };
    }
    if (tenantUser.immutableId) return { kind: 'match', user: sameName, writeBack: undefined };
    return needsWriteBack(sameName.immutableId) ?? { kind: 'match', user: sameName, writeBack: sameName.immutableId };
  }
  if (tenantUser.immutableId) {
    try {
      return { kind: 'create', immutableId: validateImmutableId(tenantUser.immutableId), writeBack: undefined };
    } catch (error) {
      if (!isLanyardError(error)) throw error;
      return { kind: 'fail', code: error.code, message: error.message };
    }
  }
  const immutableId = generateImmutableId();
  return needsWriteBack(immutableId) ?? { kind: 'create', immutableId, writeBack: immutableId };
}

/**
 * A tenant UPN that is no valid UPN by Lanyard's rule (common/upn.ts) never becomes an account. The
 * snapshot already holds it lower-cased, and Entra allows no surrounding space, so a valid one is
 * already in normal form.
 */
function invalidUpn(upn: string): ImportDecision | undefined {
  try {
    normalizeUpn(upn);
    return undefined;
  } catch (error) {
    if (!isLanyardError(error)) throw error;
    return { kind: 'fail', code: error.code, message: error.message };
  }
}

/**
 * Graph refuses to set onPremisesImmutableId on a user of a federated domain. Microsoft's documented
 * way round: move the user to the .onmicrosoft.com domain, set the ID, move the user back.
 */
function federatedWriteBack(tenantUser: TenantUserRow, immutableId: string): ImportDecision {
  const [alias, domain] = tenantUser.upn.split('@');
  return {
    kind: 'fail',
    code: 'IMMUTABLE_ID_FEDERATED_DOMAIN',
    message:
      `the tenant user has no onPremisesImmutableId and ${domain} is federated, where Graph cannot set one. ` +
      `Either change the user's UPN to ${alias}@<tenant>.onmicrosoft.com, set onPremisesImmutableId to ${immutableId}, change the UPN back and import again; ` +
      'or import before federating the domain.',
    details: { suggestedImmutableId: immutableId },
  };
}
