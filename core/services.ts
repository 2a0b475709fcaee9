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

export interface Services {
  /** Absent when no module provides directory sign-in. */
  readonly directoryPasswords?: DirectoryPasswordVerifier;
}
