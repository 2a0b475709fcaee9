import { randomUUID } from 'node:crypto';
import type { EmulatorState } from './store.ts';

/** Graph's delegatedAdminRelationship status values (reference D.3; Graph "delegatedAdminRelationship"). */
export type GdapStatus = 'activating' | 'active' | 'approvalPending' | 'approved' | 'created' | 'expired' | 'expiring' | 'terminated' | 'terminating' | 'terminationRequested';

/**
 * A granular delegated admin relationship (GDAP): time-bound, approved by the customer, with named
 * Entra roles (unifiedRoles by roleDefinitionId). A relationship without one is legacy DAP.
 */
export interface GdapRelationship {
  readonly id: string;
  readonly displayName: string;
  status: GdapStatus;
  /** Entra role template ids granted to the partner's groups. */
  readonly roleDefinitionIds: readonly string[];
  readonly createdDateTime: string;
  readonly endDateTime: string;
}

interface Relationship {
  readonly gdap: GdapRelationship | undefined;
}

/**
 * Which partner tenants may act in which customer tenants: DAP (no GDAP details, standing access)
 * or GDAP (access only while the relationship is `active`). A partner user's refresh token is
 * redeemable at a customer tenant's token endpoint only then. Partner Center's emulation adds a DAP
 * relationship when it creates a customer; tests and seeds may add GDAP ones.
 */
export class PartnerRelationships {
  /** customer tenant id → partner tenant id → relationship. */
  readonly #partners = new Map<string, Map<string, Relationship>>();

  add(partnerTenantId: string, customerTenantId: string, gdap?: Omit<GdapRelationship, 'id' | 'createdDateTime'> & { id?: string }, now: number = Date.now()): GdapRelationship | undefined {
    const partners = this.#partners.get(customerTenantId) ?? new Map<string, Relationship>();
    const details = gdap ? { ...gdap, id: gdap.id ?? randomUUID(), createdDateTime: new Date(now).toISOString() } : undefined;
    partners.set(partnerTenantId, { gdap: details });
    this.#partners.set(customerTenantId, partners);
    return details;
  }

  remove(partnerTenantId: string, customerTenantId: string): void {
    this.#partners.get(customerTenantId)?.delete(partnerTenantId);
  }

  /** Whether the partner may act in the customer tenant now: DAP, or GDAP that is active and not past its end. */
  has(partnerTenantId: string, customerTenantId: string, now: number = Date.now()): boolean {
    const relationship = this.#partners.get(customerTenantId)?.get(partnerTenantId);
    if (!relationship) return false;
    const { gdap } = relationship;
    return !gdap || (gdap.status === 'active' && Date.parse(gdap.endDateTime) > now);
  }

  /** The partner's GDAP relationships, with the customer they are with. */
  gdapOf(partnerTenantId: string): { customerTenantId: string; relationship: GdapRelationship }[] {
    return [...this.#partners].flatMap(([customerTenantId, partners]) => {
      const gdap = partners.get(partnerTenantId)?.gdap;
      return gdap ? [{ customerTenantId, relationship: gdap }] : [];
    });
  }

  list(): { partnerTenantId: string; customerTenantId: string; kind: 'dap' | 'gdap'; gdap?: GdapRelationship }[] {
    return [...this.#partners].flatMap(([customerTenantId, partners]) =>
      [...partners].map(([partnerTenantId, { gdap }]) => ({ partnerTenantId, customerTenantId, kind: gdap ? ('gdap' as const) : ('dap' as const), ...(gdap ? { gdap } : {}) })),
    );
  }

  clear(): void {
    this.#partners.clear();
  }
}

/**
 * Records that `partnerTenantId` has a delegated-admin relationship with `customerTenantId`.
 *
 * @example
 *   addPartnerRelationship(context.state, partnerTenant.id, newCustomerTenant.id);
 */
export function addPartnerRelationship(state: EmulatorState, partnerTenantId: string, customerTenantId: string): void {
  state.delegatedAccess.relationships.add(partnerTenantId, customerTenantId);
}
