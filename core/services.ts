/**
 * Contracts between modules. A module that needs another's work names the interface here; the
 * module that does the work provides an implementation through `LanyardModule.provide`, and the
 * server hands it over. Neither imports the other.
 */

/** Verifies a directory user's password through a connected on-premises agent (LDAP bind). Provided by agent/. */
export interface DirectoryPasswordVerifier {
  verify(user: { id: string; organizationId: string; externalId: string | null; upn: string }, password: string): Promise<boolean>;
  /**
   * Whether the organization signs in through a directory agent, and whether one is connected now:
   * 'none' (no agent was ever registered), 'connected', or 'away' (registered, none connected).
   */
  availability(organizationId: string): Promise<'none' | 'connected' | 'away'>;
}

/** A customer tenant reached through a CSP partner's delegated access. */
export interface DelegatedTenant {
  readonly tenantId: string;
  /** An access token for `scope` (e.g. `https://graph.microsoft.com/.default`) in that tenant. */
  accessToken(scope: string): Promise<string>;
}

/**
 * Access to an organization's Microsoft 365 tenant through a CSP partner's delegated access, for an
 * organization linked to a CSP customer, with no app registration of its own. Provided by csp/;
 * used by provisioning/ when the organization has no tenant connection.
 */
export interface DelegatedTenantAccess {
  /** The linked customer's tenant, or undefined when the organization is linked to no CSP customer. */
  forOrganization(organizationId: string): Promise<DelegatedTenant | undefined>;
}

export interface Services {
  /** Absent when no module provides directory sign-in. */
  readonly directoryPasswords?: DirectoryPasswordVerifier;
  /** Absent when no module provides delegated tenant access (the csp module does). */
  readonly delegatedTenantAccess?: DelegatedTenantAccess;
}
