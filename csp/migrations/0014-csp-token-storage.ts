import type { Kysely } from 'kysely';

/**
 * Where a partner's refresh token lives, and who hears about it (issue 11, partner connection):
 * - Key Vault storage: the secret's URL, the Key Vault app's tenant and client id and its secret
 *   (sealed), and the secret version holding the current token (the compare-and-set handle while
 *   the token lives in Key Vault; `refresh_token_sealed` is that handle while it lives here);
 * - `refresh_token_hash`: SHA-256 of the current token wherever it lives, so the access check can
 *   tell whether what Key Vault holds is what Lanyard last wrote;
 * - the partner's admin e-mail addresses, the client secret's expiry the admin recorded, and the
 *   token state its admins were last told about (notices go out once per change of state).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable('csp_partners').addColumn('key_vault_secret_url', 'text').execute();
  await db.schema.alterTable('csp_partners').addColumn('key_vault_tenant_id', 'text').execute();
  await db.schema.alterTable('csp_partners').addColumn('key_vault_client_id', 'text').execute();
  await db.schema.alterTable('csp_partners').addColumn('key_vault_client_secret_sealed', 'text').execute();
  await db.schema.alterTable('csp_partners').addColumn('key_vault_secret_version', 'text').execute();
  await db.schema.alterTable('csp_partners').addColumn('refresh_token_hash', 'text').execute();
  await db.schema.alterTable('csp_partners').addColumn('admin_emails', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('csp_partners').addColumn('client_secret_expires_at', 'text').execute();
  await db.schema.alterTable('csp_partners').addColumn('notified_state', 'text').execute();
  await db.schema.alterTable('csp_partners').addColumn('notified_at', 'text').execute();
}
