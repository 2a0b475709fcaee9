import type { Selectable } from 'kysely';

/**
 * Tables of the directory-agent API (migration 0002): agents, their sync state, pass-through password checks.
 * The module's part of the one Kysely `Database` type, merged into it here rather than listed in db/.
 */
declare module '../../../db/schema.ts' {
  interface Database {
    directoryAgents: DirectoryAgentsTable;
    directorySyncStates: DirectorySyncStatesTable;
    passThroughRequests: PassThroughRequestsTable;
  }
}

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

export type DirectoryAgent = Selectable<DirectoryAgentsTable>;
export type DirectorySyncState = Selectable<DirectorySyncStatesTable>;
export type PassThroughRequest = Selectable<PassThroughRequestsTable>;
