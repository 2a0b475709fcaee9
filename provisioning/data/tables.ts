import type { Selectable } from 'kysely';

/**
 * Tables of the provisioning module (migrations 0003, 0004): tenant connections, federated domains, settings, runs, results, the tenant snapshot, activation tokens.
 * The module's part of the one Kysely `Database` type, merged into it here rather than listed in db/.
 */
declare module '../../db/schema.ts' {
  interface Database {
    tenantConnections: TenantConnectionsTable;
    domainFederations: DomainFederationsTable;
    provisioningSettings: ProvisioningSettingsTable;
    provisioningRuns: ProvisioningRunsTable;
    provisioningResults: ProvisioningResultsTable;
    provisioningTenantUsers: ProvisioningTenantUsersTable;
    activationTokens: ActivationTokensTable;
  }
}

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

export type TenantConnection = Selectable<TenantConnectionsTable>;
export type DomainFederation = Selectable<DomainFederationsTable>;


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

export type ProvisioningSettings = Selectable<ProvisioningSettingsTable>;
export type ProvisioningRun = Selectable<ProvisioningRunsTable>;
export type ProvisioningResult = Selectable<ProvisioningResultsTable>;
export type TenantUserRow = Selectable<ProvisioningTenantUsersTable>;
