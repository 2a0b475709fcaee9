import type { Selectable } from 'kysely';

/** Tables of the portal module (migration 0017), merged into the one Kysely `Database` type. */
declare module '../../core/db/schema.ts' {
  interface Database {
    portalAdminRoles: PortalAdminRolesTable;
    portalSessions: PortalSessionsTable;
  }
}

export const adminRoles = ['operator', 'org-admin', 'partner-admin', 'reseller'] as const;
export type AdminRole = (typeof adminRoles)[number];

export interface PortalAdminRolesTable {
  id: string;
  userId: string;
  role: AdminRole;
  /** org-admin only. */
  organizationId: string | null;
  /** partner-admin and reseller. */
  partnerId: string | null;
  /** reseller only: one of the partner's indirect reseller ids. */
  resellerId: string | null;
  /** 'all' | 'org:<id>' | 'partner:<id>' | 'reseller:<partner id>:<reseller id>' (unique per user and role). */
  scopeKey: string;
  grantedBy: string;
  grantedAt: string;
}

export interface PortalSessionsTable {
  /** SHA-256 (hex) of the cookie value; the value itself is only in the browser. */
  id: string;
  userId: string;
  /** The sign-in that made this session (its request id): one session per sign-in, so a ticket works once. */
  signInRef: string;
  createdAt: string;
  lastSeenAt: string;
  /** Absolute deadline, whatever the activity. */
  expiresAt: string;
  /** The last TOTP code proven in this session (sign-in or re-authentication). */
  reauthAt: string;
  endedAt: string | null;
  clientAddress: string;
}

export type AdminRoleGrant = Selectable<PortalAdminRolesTable>;
export type PortalSession = Selectable<PortalSessionsTable>;
