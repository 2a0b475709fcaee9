import type { Kysely } from 'kysely';

/**
 * CSP partners (issue 11, part 1): the partner's app registration (secret sealed), its endpoints,
 * reseller scope, and the delegated refresh token Partner Center needs (sealed, with its times and
 * the state `lanyard csp partner status` reports); plus the consent requests a partner admin's
 * authorization-code flow runs through (state hashed, PKCE verifier sealed, single use).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csp_partners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('partner_tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('login_url', 'text', (c) => c.notNull())
    .addColumn('partner_center_url', 'text', (c) => c.notNull())
    .addColumn('graph_url', 'text', (c) => c.notNull())
    .addColumn('licence_cap_per_customer', 'integer', (c) => c.notNull().defaultTo(-1))
    .addColumn('reseller_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('include_sub_resellers', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('token_storage', 'text', (c) => c.notNull().defaultTo('database'))
    .addColumn('refresh_token_sealed', 'text')
    .addColumn('refresh_token_obtained_at', 'text')
    .addColumn('refresh_token_last_used_at', 'text')
    .addColumn('refresh_token_rotated_at', 'text')
    .addColumn('consent_upn', 'text')
    .addColumn('token_state', 'text', (c) => c.notNull().defaultTo('no-consent'))
    .addColumn('token_error_code', 'text')
    .addColumn('token_error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('csp_consent_requests')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('csp_partners.id').onDelete('cascade'))
    .addColumn('verifier_sealed', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .execute();
  await db.schema.createIndex('csp_consent_requests_partner').on('csp_consent_requests').column('partner_id').execute();
}
