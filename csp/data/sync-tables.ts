import type { Selectable } from 'kysely';

/**
 * Tables of the CSP recurring import (migration 0018), merged into the one Kysely `Database` type.
 * Kept apart from tables.ts so the parts of issue 12 built in parallel do not edit one file.
 */
declare module '../../core/db/schema.ts' {
  interface Database {
    cspCustomerUsers: CspCustomerUsersTable;
    cspSyncErrors: CspSyncErrorsTable;
    cspSyncSettings: CspSyncSettingsTable;
    cspCustomerAccess: CspCustomerAccessTable;
    cspTenantConsents: CspTenantConsentsTable;
  }
}

/** A user of a customer's tenant as the last sync saw it. */
export interface CspCustomerUsersTable {
  id: string;
  customerId: string;
  /** Microsoft's object id: how the next sync finds the row first. */
  objectId: string;
  upn: string;
  mail: string | null;
  /** The login alias (Graph's mailNickname). */
  login: string | null;
  displayName: string;
  accountEnabled: number;
  /** JSON string[] of assigned skuIds (lower case). */
  skuIds: string;
  /** 1: not counted for per-user billing (outside the billing group, or without a billing licence). */
  serviceUser: number;
  serviceReason: string | null;
  lastSignInAt: string | null;
  /** How the row was found: 'new', 'objectId', 'upn', 'mail', 'login'. */
  matchedBy: string;
  firstSeenAt: string;
  syncedAt: string;
}

export const syncSteps = ['customers', 'relationships', 'access', 'licences', 'users'] as const;
export type SyncStep = (typeof syncSteps)[number];

export interface CspSyncErrorsTable {
  id: string;
  partnerId: string;
  /** The customer's id, or '' for a partner-level step. */
  customerKey: string;
  customerDomain: string | null;
  step: SyncStep;
  code: string;
  message: string;
  remediation: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  count: number;
}

export const matchFields = ['upn', 'mail', 'login'] as const;
export type MatchField = (typeof matchFields)[number];

export interface CspSyncSettingsTable {
  partnerId: string;
  /** JSON MatchField[]: the fields tried in order after the object id. */
  matchFields: string;
  /** 1: a disabled account is synced as any other (billing counts it). */
  ignoreAccountEnabled: number;
  /** Users outside the group of this name (in each customer tenant) are service users; null: no group rule. */
  billingGroup: string | null;
  /** JSON string[]: users with none of these SKUs are service users; []: no licence rule. */
  billingSkuIds: string;
  /** 1: read signInActivity (needs Entra ID P1 in the customer tenant). */
  signInActivity: number;
  updatedAt: string;
}

export type RelationshipKind = 'dap' | 'gdap' | 'none';
export type TenantConsentState = 'not-needed' | 'needed' | 'granted' | 'denied';

export interface CspCustomerAccessTable {
  customerId: string;
  relationship: RelationshipKind;
  gdapRelationshipId: string | null;
  gdapStatus: string | null;
  /** JSON string[] of the Entra role template ids the GDAP relationship grants. */
  gdapRoleIds: string;
  gdapEndsAt: string | null;
  consentState: TenantConsentState;
  consentAt: string | null;
  consentError: string | null;
  checkedAt: string;
}

/** A consent link for a customer tenant's admin: only the SHA-256 of its `state` is kept. */
export interface CspTenantConsentsTable {
  stateHash: string;
  customerId: string;
  startedBy: string;
  createdAt: string;
  expiresAt: string;
  consumedAt: string | null;
}

export type CspCustomerUser = Selectable<CspCustomerUsersTable>;
export type CspSyncError = Selectable<CspSyncErrorsTable>;
export type CspSyncSettings = Selectable<CspSyncSettingsTable>;
export type CspCustomerAccess = Selectable<CspCustomerAccessTable>;
