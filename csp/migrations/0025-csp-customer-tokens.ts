import type { Kysely } from 'kysely';

/**
 * A customer's own refresh token (issue 12, customer access): a customer admin consents to the
 * partner's app with offline_access at the customer's tenant, and Lanyard keeps that token per
 * customer. The columns mirror the partner's token columns (0011, 0014), so the one token store
 * (csp/tokens/token-storage.ts) serves both: sealed here, or a Key Vault secret whose access is
 * copied from the partner's at the time of the consent. `csp_customer_consents` are the consent
 * wizard's invitations (the link's token stored as its SHA-256, 7 days) and each attempt at Entra
 * (the OAuth state as its SHA-256, the sealed PKCE verifier, 10 minutes, used once).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csp_customer_tokens')
    .addColumn('customer_id', 'text', (c) => c.primaryKey().references('csp_customers.id').onDelete('cascade'))
    .addColumn('token_storage', 'text', (c) => c.notNull().defaultTo('database'))
    .addColumn('refresh_token_sealed', 'text')
    .addColumn('key_vault_secret_url', 'text')
    .addColumn('key_vault_tenant_id', 'text')
    .addColumn('key_vault_client_id', 'text')
    .addColumn('key_vault_client_secret_sealed', 'text')
    .addColumn('key_vault_secret_version', 'text')
    .addColumn('refresh_token_hash', 'text')
    .addColumn('refresh_token_obtained_at', 'text')
    .addColumn('refresh_token_last_used_at', 'text')
    .addColumn('refresh_token_rotated_at', 'text')
    .addColumn('consent_upn', 'text')
    .addColumn('token_state', 'text', (c) => c.notNull().defaultTo('no-consent'))
    .addColumn('token_error_code', 'text')
    .addColumn('token_error_message', 'text')
    .addColumn('notified_state', 'text')
    .addColumn('notified_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('csp_customer_consents')
    .addColumn('invitation_hash', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('csp_customers.id').onDelete('cascade'))
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addColumn('state_hash', 'text', (c) => c.unique())
    .addColumn('verifier_sealed', 'text')
    .addColumn('attempt_expires_at', 'text')
    .execute();
}
