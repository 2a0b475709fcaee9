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
  protocol: 'wsfed' | 'saml';
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

export interface Database {
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

// ───────────────────────── Directory agent (issue 4, migration 0002) ─────────────────────────
// Declared as a separate block; `Database` below merges with the interface above.

export interface DirectoryAgentsTable {
  id: string;
  organizationId: string;
  name: string;
  /** SHA-256 (hex) of the agent key; the key itself is shown once at registration. */
  keyHash: string;
  createdAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
  /** While an agent holds a pass-through long-poll: the time that poll ends (plus grace). */
  connectedUntil: string | null;
  version: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  lastErrorAt: string | null;
}

export type SyncMode = 'full' | 'delta';
export type SyncOutcome = 'success' | 'failure' | 'guarded';

export interface DirectorySyncStatesTable {
  organizationId: string;
  /** The one agent allowed to sync this organization until `leaseExpiresAt` (one sync at a time). */
  leaseAgentId: string | null;
  leaseRunId: string | null;
  leaseExpiresAt: string | null;
  runMode: SyncMode | null;
  runStartedAt: string | null;
  /** JSON counts of the run in progress ({created, updated, unchanged, failed}). */
  runCounts: string | null;
  /** JSON list of per-entry errors of the run in progress (capped). */
  runErrors: string | null;
  lastSyncAgentId: string | null;
  lastSyncMode: SyncMode | null;
  lastSyncStartedAt: string | null;
  lastSyncFinishedAt: string | null;
  lastSyncOutcome: SyncOutcome | null;
  lastSyncCounts: string | null;
  lastSyncErrors: string | null;
  syncCount: number;
  /** A sync that would disable more users than this stops until an admin confirms. */
  deletionThreshold: number;
  /** Deletions a guarded sync wanted to apply. */
  pendingDeletionCount: number | null;
  /** Deletions an admin allowed for the next sync (confirmPendingDeletions). */
  confirmedDeletionCount: number | null;
}

export interface PassThroughRequestsTable {
  id: string;
  organizationId: string;
  userId: string;
  externalId: string;
  upn: string;
  /** The password under the master key, bound to this row id; set to null the moment an agent claims it. */
  sealedPassword: string | null;
  createdAt: string;
  expiresAt: string;
  claimedByAgentId: string | null;
  claimedAt: string | null;
  result: 'valid' | 'invalid' | 'error' | null;
  resultCode: string | null;
  answeredAt: string | null;
}

export interface Database {
  directoryAgents: DirectoryAgentsTable;
  directorySyncStates: DirectorySyncStatesTable;
  passThroughRequests: PassThroughRequestsTable;
}

export type DirectoryAgent = Selectable<DirectoryAgentsTable>;
export type DirectorySyncState = Selectable<DirectorySyncStatesTable>;
export type PassThroughRequest = Selectable<PassThroughRequestsTable>;

// ───────────────────────── Microsoft 365 tenant connection (issue 3, migration 0003) ─────────────────────────

export interface TenantConnectionsTable {
  organizationId: string;
  /** Entra tenant id (GUID) or its initial domain name. */
  tenantId: string;
  /** Application (client) id of the app registration Lanyard acts as. */
  clientId: string;
  /** Client secret, AES-256-GCM under the master key (context `tenant:<organization id>`). */
  clientSecretEncrypted: string;
  connectedAt: string;
  updatedAt: string;
}

/** A domain Lanyard federated in its organization's tenant (written by `lanyard federate`, removed by unfederate). */
export interface DomainFederationsTable {
  domainId: string;
  organizationId: string;
  /** Tenant the federation was written to. */
  tenantId: string;
  federatedAt: string;
  updatedAt: string;
}

export interface Database {
  tenantConnections: TenantConnectionsTable;
  domainFederations: DomainFederationsTable;
}

export type TenantConnection = Selectable<TenantConnectionsTable>;
export type DomainFederation = Selectable<DomainFederationsTable>;

// ───────────────────────── Provisioning engine (issue 5, migration 0004) ─────────────────────────

export interface DefaultLicence {
  readonly skuId: string;
  readonly skuPartNumber: string;
}

export interface ProvisioningSettingsTable {
  organizationId: string;
  /** 1: a new or changed active account is exported within seconds by the background worker. */
  autoProvisioning: number;
  /** A run that would disable more accounts than this stops until rerun with confirmation (Entra Connect: 500). */
  deletionThreshold: number;
  /** JSON DefaultLicence[]: SKUs every exported account gets. */
  defaultLicences: string;
  /** ISO-3166 alpha-2 country set on exported accounts; Graph refuses licences without one. */
  defaultUsageLocation: string | null;
  /** The one import or export of this organization that has not finished (one at a time). */
  activeRunId: string | null;
  /** Auto-provisioning: accounts updated after this time have not been exported yet. */
  autoWatermark: string | null;
  updatedAt: string;
}

export type ProvisioningRunKind = 'import' | 'export';
export type ProvisioningRunStatus = 'running' | 'completed' | 'failed' | 'stopped';
/** snapshot: reading the tenant; apply: working through accounts; done. */
export type ProvisioningRunPhase = 'snapshot' | 'apply' | 'done';
/** Every outcome a provisioning run records per account (CLI and admin API filter by these). */
export const provisioningOutcomes = ['created', 'updated', 'matched', 'unchanged', 'disabled', 'skipped', 'failed'] as const;
export type ProvisioningOutcome = (typeof provisioningOutcomes)[number];

export interface ProvisioningRunsTable {
  id: string;
  organizationId: string;
  kind: ProvisioningRunKind;
  trigger: 'cli' | 'api' | 'auto';
  requestedBy: string;
  status: ProvisioningRunStatus;
  phase: ProvisioningRunPhase;
  dryRun: number;
  /** 1: the admin confirmed disabling more accounts than the threshold. */
  confirmed: number;
  /** JSON list of user ids when the run covers only some accounts (auto-provisioning). */
  scopeUserIds: string | null;
  /** Process holding the run until `leaseExpiresAt`; an expired lease lets another node resume it. */
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  attempts: number;
  /** Accounts to work through, once known. */
  total: number | null;
  processed: number;
  /** JSON Record<ProvisioningOutcome, number>. */
  counts: string;
  /** 429 answers Graph gave this run (retried). */
  throttledCount: number;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ProvisioningResultsTable {
  runId: string;
  /** Lower-case UPN the result is about (unique per run: each account is handled once). */
  subject: string;
  userId: string | null;
  microsoftObjectId: string | null;
  outcome: ProvisioningOutcome;
  reasonCode: string | null;
  message: string | null;
  /** JSON: changed attributes, licences added, planned actions. */
  details: string | null;
  recordedAt: string;
}

export interface ProvisioningTenantUsersTable {
  runId: string;
  objectId: string;
  /** Lower-case. */
  upn: string;
  immutableId: string | null;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  usageLocation: string | null;
  accountEnabled: number;
  /** JSON string[] of assigned skuIds. */
  licenceSkuIds: string;
}

export interface ActivationTokensTable {
  /** SHA-256 (hex) of the token in the link; the token itself is never stored. */
  tokenHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export interface Database {
  provisioningSettings: ProvisioningSettingsTable;
  provisioningRuns: ProvisioningRunsTable;
  provisioningResults: ProvisioningResultsTable;
  provisioningTenantUsers: ProvisioningTenantUsersTable;
  activationTokens: ActivationTokensTable;
}

export type ProvisioningSettings = Selectable<ProvisioningSettingsTable>;
export type ProvisioningRun = Selectable<ProvisioningRunsTable>;
export type ProvisioningResult = Selectable<ProvisioningResultsTable>;
export type TenantUserRow = Selectable<ProvisioningTenantUsersTable>;

// ───────────────────────── Admin API tokens (migration 0006) ─────────────────────────

export interface ApiTokensTable {
  id: string;
  organizationId: string;
  name: string;
  /** SHA-256 (hex) of the token; the token itself is shown once at creation. */
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface Database {
  apiTokens: ApiTokensTable;
}

export type ApiToken = Selectable<ApiTokensTable>;

// ───────────────────────── Familiar sign-in addresses (migration 0008) ─────────────────────────

/** An address an account completed a sign-in from; a bounded, most-recent list per account. */
export interface FamiliarAddressesTable {
  userId: string;
  address: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface Database {
  familiarAddresses: FamiliarAddressesTable;
}
