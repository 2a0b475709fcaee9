import type { Selectable } from 'kysely';

/**
 * Tables of the admin API (migration 0006): API tokens, hashes only.
 * The module's part of the one Kysely `Database` type, merged into it here rather than listed in db/.
 */
declare module '../../db/schema.ts' {
  interface Database {
    apiTokens: ApiTokensTable;
  }
}

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

export type ApiToken = Selectable<ApiTokensTable>;
