import type { EmulatorState } from './store.ts';

/**
 * Which partner tenants may act in which customer tenants (DAP/GDAP, reduced to "a relationship
 * exists"). A partner user's refresh token is redeemable at a customer tenant's token endpoint only then.
 * Partner Center's emulation fills it when it creates a customer; tests and seeds may too.
 */
export class PartnerRelationships {
  /** customer tenant id → partner tenant ids. */
  readonly #partners = new Map<string, Set<string>>();

  add(partnerTenantId: string, customerTenantId: string): void {
    const partners = this.#partners.get(customerTenantId) ?? new Set<string>();
    partners.add(partnerTenantId);
    this.#partners.set(customerTenantId, partners);
  }

  remove(partnerTenantId: string, customerTenantId: string): void {
    this.#partners.get(customerTenantId)?.delete(partnerTenantId);
  }

  has(partnerTenantId: string, customerTenantId: string): boolean {
    return this.#partners.get(customerTenantId)?.has(partnerTenantId) ?? false;
  }

  list(): { partnerTenantId: string; customerTenantId: string }[] {
    return [...this.#partners].flatMap(([customerTenantId, partners]) =>
      [...partners].map((partnerTenantId) => ({ partnerTenantId, customerTenantId })),
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
