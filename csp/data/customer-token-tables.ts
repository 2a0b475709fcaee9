import type { Generated, Selectable } from 'kysely';
import type { StoredTokenState } from './tables.ts';

/**
 * Tables of a customer's own refresh token and its consent wizard (migration 0025), merged into the
 * one Kysely `Database` type. Kept apart from tables.ts so the parts of issue 12 built in parallel do
 * not edit one file. The token columns have the partner's names (CspPartnersTable), so the token
 * store and the state report read either row alike.
 */
declare module '../../core/db/schema.ts' {
  interface Database {
    cspCustomerTokens: CspCustomerTokensTable;
    cspCustomerConsents: CspCustomerConsentsTable;
  }
}

export interface CspCustomerTokensTable {
  customerId: string;
  /** Where the token lives: `refresh_token_sealed` here, or a Key Vault secret of its own. */
  tokenStorage: Generated<'database' | 'key-vault'>;
  /** AES-256-GCM under the master key, context `csp-customer-refresh-token:<customer id>`. */
  refreshTokenSealed: string | null;
  /** `https://{vault}/secrets/{partner's name}-{customer tenant id}` while the token lives in Key Vault. */
  keyVaultSecretUrl: string | null;
  /** The partner's Key Vault app at the time of the consent (copied, so moving the partner's token leaves this one readable). */
  keyVaultTenantId: string | null;
  keyVaultClientId: string | null;
  /** Context `csp-key-vault-secret:customer:<customer id>`. */
  keyVaultClientSecretSealed: string | null;
  keyVaultSecretVersion: string | null;
  refreshTokenHash: string | null;
  refreshTokenObtainedAt: string | null;
  refreshTokenLastUsedAt: string | null;
  refreshTokenRotatedAt: string | null;
  /** The customer admin who consented. */
  consentUpn: string | null;
  tokenState: Generated<StoredTokenState>;
  tokenErrorCode: string | null;
  tokenErrorMessage: string | null;
  /** The state the partner's admins were last told about; null while all is well. */
  notifiedState: string | null;
  notifiedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A consent wizard invitation and its current attempt at Entra; secrets only as SHA-256. */
export interface CspCustomerConsentsTable {
  invitationHash: string;
  customerId: string;
  startedBy: string;
  createdAt: string;
  expiresAt: string;
  /** Set once a consent through it stored a token: the link is spent. */
  completedAt: string | null;
  /** SHA-256 of the OAuth `state` of the attempt in flight; cleared when the callback takes it. */
  stateHash: string | null;
  /** PKCE code_verifier of that attempt, context `csp-customer-consent:<state hash>`. */
  verifierSealed: string | null;
  attemptExpiresAt: string | null;
}

export type CspCustomerToken = Selectable<CspCustomerTokensTable>;
export type CspCustomerConsent = Selectable<CspCustomerConsentsTable>;
