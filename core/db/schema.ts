import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types. Columns are snake_case in SQL and camelCase here (Kysely's CamelCasePlugin).
 * Portable column types only, so SQLite and PostgreSQL behave the same: ids are random UUID text,
 * times are ISO-8601 UTC text (`Date#toISOString`, which sorts correctly as text), flags are 0/1.
 */
export interface OrganizationsTable {
  id: string;
  slug: string;
  name: string;
  /** 'required': everyone must pass TOTP; 'optional': only enrolled users are asked. */
  mfaPolicy: 'required' | 'optional';
  createdAt: string;
}

export interface DomainsTable {
  id: string;
  organizationId: string;
  /** Lower-case DNS name. */
  name: string;
  /** Token Issuer, fixed when the domain is added so a later PUBLIC_URL change cannot break Entra's match. */
  issuerUri: string;
  protocol: 'wsfed' | 'saml';
  mfaBehavior: 'enforce' | 'accept' | 'reject';
  requireSignedRequests: number;
  createdAt: string;
}

export type UserStatus = 'active' | 'disabled' | 'pending';
export type UserSource = 'local' | 'directory' | 'imported';

export interface UsersTable {
  id: string;
  organizationId: string;
  /** Lower-case user principal name. */
  upn: string;
  /** Entra's onPremisesImmutableId: case-sensitive, unique, never derived from the name. */
  immutableId: string;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  source: UserSource;
  /** Directory anchor (LDAP entryUUID, AD objectGUID) for directory users. */
  externalId: string | null;
  status: UserStatus;
  passwordHash: string | null;
  microsoftObjectId: string | null;
  /** ISO 3166-1 alpha-2 country where the person uses the service; null: the organization's default. */
  usageLocation: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MfaCredentialsTable {
  id: string;
  userId: string;
  /** TOTP seed, AES-256-GCM under the master key. */
  encryptedSecret: string;
  /** Highest RFC 6238 time step accepted; each step is accepted once (replay protection). */
  lastUsedStep: number | null;
  /** Set once the user proved possession with a first valid code. */
  confirmedAt: string | null;
  createdAt: string;
}

export interface SsoSessionsTable {
  /** SHA-256 (hex) of the cookie value: a database read does not yield usable cookies. */
  id: string;
  userId: string;
  createdAt: string;
  /** Time of the last password check (AuthenticationInstant). */
  passwordAt: string;
  /** Time of the last TOTP check in this session, when there was one. */
  mfaAt: string | null;
  lastSeenAt: string;
  expiresAt: string;
  endedAt: string | null;
  clientAddress: string | null;
}

export interface SignInRequestsTable {
  /** Random, unguessable: it appears in the sign-in page URLs. */
  id: string;
  domainId: string;
  protocol: 'wsfed' | 'saml' | 'portal';
  /** The protocol request as JSON (wctx, wauth, wfresh / AuthnRequest ID, RelayState, ForceAuthn). */
  payload: string;
  /** Secret binding the browser that started the sign-in (CSRF token for its forms). */
  csrfToken: string;
  userId: string | null;
  passwordAt: string | null;
  mfaAt: string | null;
  createdAt: string;
  expiresAt: string;
  completedAt: string | null;
  /** Bumped by every step (migration 0008): steps are compare-and-set on (user, version). */
  version: Generated<number>;
  /** The TOTP credential whose code the MFA step accepted (migration 0008). */
  mfaCredentialId: string | null;
}

export interface SigningKeysTable {
  id: string;
  /** next: published, not yet signing; current: signing; previous: replaced, still trusted while tokens it signed are in flight; retired: gone. */
  state: 'next' | 'current' | 'previous' | 'retired';
  /** PKCS#8 DER, AES-256-GCM under the master key. */
  encryptedPrivateKey: string;
  /** Base64 DER of the self-signed X.509 certificate (what Graph's signingCertificate takes). */
  certificate: string;
  /** SHA-256 of the DER certificate, hex. */
  thumbprint: string;
  notBefore: string;
  notAfter: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
}

/**
 * A domain's federation in its organization's tenant, as Lanyard set it (written by `lanyard federate`,
 * removed by unfederate). Created by provisioning's migration 0003; a fact about the domain that the
 * IdP reads too (a federated domain cannot be removed).
 */
export interface DomainFederationsTable {
  domainId: string;
  organizationId: string;
  /** Tenant the federation was written to. */
  tenantId: string;
  federatedAt: string;
  updatedAt: string;
}

/** An address an account completed a sign-in from; a bounded, most-recent list per account (migration 0008). */
export interface FamiliarAddressesTable {
  userId: string;
  address: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface ThrottleCountersTable {
  /** '<scope>:<subject>', e.g. 'address:<client address>', 'password-unfamiliar:<keyed name hash>' (idp/login/throttle.ts). */
  key: string;
  windowStartedAt: string;
  failures: number;
}

export interface AuditEventsTable {
  id: string;
  occurredAt: string;
  /** Who acted: 'cli', 'user:<upn>', 'agent:<id>', 'anonymous'. */
  actor: string;
  /** Dotted verb, e.g. 'signin.password', 'user.create', 'keys.rotate'. */
  action: string;
  target: string | null;
  outcome: 'success' | 'failure';
  /** Stable error code for failures. */
  reason: string | null;
  clientAddress: string | null;
  /** JSON object with further facts; never secrets. */
  details: string | null;
}

/** An organization's sign-in logo (migration 0024): a checked PNG or JPEG, see core/db/organization-logos.ts. */
export interface OrganizationLogosTable {
  organizationId: string;
  contentType: 'image/png' | 'image/jpeg';
  /** Hex SHA-256 of the bytes: the logo's URL name. */
  sha256: string;
  width: number;
  height: number;
  bytesBase64: string;
  uploadedAt: string;
  /** The audit actor who uploaded it. */
  uploadedBy: string;
}

export interface Database {
  organizationLogos: OrganizationLogosTable;
  domainFederations: DomainFederationsTable;
  familiarAddresses: FamiliarAddressesTable;
  organizations: OrganizationsTable;
  domains: DomainsTable;
  users: UsersTable;
  mfaCredentials: MfaCredentialsTable;
  ssoSessions: SsoSessionsTable;
  signInRequests: SignInRequestsTable;
  signingKeys: SigningKeysTable;
  throttleCounters: ThrottleCountersTable;
  auditEvents: AuditEventsTable;
}

export type Organization = Selectable<OrganizationsTable>;
export type Domain = Selectable<DomainsTable>;
export type DomainFederation = Selectable<DomainFederationsTable>;

/**
 * Every column of a table, spelled out, for prepared statements: PostgreSQL refuses to run a
 * server-side prepared `SELECT *` whose result type changed, so a node still running after another
 * node's migration added a column would fail. Naming the columns keeps the result type fixed.
 */
export const domainColumns = ['id', 'organizationId', 'name', 'issuerUri', 'protocol', 'mfaBehavior', 'requireSignedRequests', 'createdAt'] as const satisfies readonly (keyof DomainsTable)[];
export const userColumns = [
  'id', 'organizationId', 'upn', 'immutableId', 'displayName', 'givenName', 'surname', 'mail', 'source', 'externalId', 'status',
  'passwordHash', 'microsoftObjectId', 'usageLocation', 'createdAt', 'updatedAt',
] as const satisfies readonly (keyof UsersTable)[];
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type MfaCredential = Selectable<MfaCredentialsTable>;
export type SsoSession = Selectable<SsoSessionsTable>;
export type SignInRequest = Selectable<SignInRequestsTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
// Generated is re-exported for later tables with database-side defaults.
export type { Generated };
