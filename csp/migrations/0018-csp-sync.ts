import type { Kysely } from 'kysely';

/**
 * The recurring import (issue 12): users synced per customer, the errors each step met (one row
 * per partner, customer, step and code, counted), the sync settings per partner, each customer's
 * access (DAP or GDAP, its roles, the admin consent of its tenant) and the consent links sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csp_customer_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('csp_customers.id').onDelete('cascade'))
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('upn', 'text', (c) => c.notNull())
    .addColumn('mail', 'text')
    .addColumn('login', 'text')
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('account_enabled', 'integer', (c) => c.notNull())
    .addColumn('sku_ids', 'text', (c) => c.notNull())
    .addColumn('service_user', 'integer', (c) => c.notNull())
    .addColumn('service_reason', 'text')
    .addColumn('last_sign_in_at', 'text')
    .addColumn('matched_by', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('synced_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('csp_customer_users_object').unique().on('csp_customer_users').columns(['customer_id', 'object_id']).execute();

  await db.schema
    .createTable('csp_sync_errors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('csp_partners.id').onDelete('cascade'))
    /** '' for a partner-level step (the customer list, the GDAP list): unique indexes treat NULLs as distinct. */
    .addColumn('customer_key', 'text', (c) => c.notNull())
    .addColumn('customer_domain', 'text')
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('remediation', 'text')
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('csp_sync_errors_key').unique().on('csp_sync_errors').columns(['partner_id', 'customer_key', 'step', 'code']).execute();

  await db.schema
    .createTable('csp_sync_settings')
    .addColumn('partner_id', 'text', (c) => c.primaryKey().references('csp_partners.id').onDelete('cascade'))
    .addColumn('match_fields', 'text', (c) => c.notNull())
    .addColumn('ignore_account_enabled', 'integer', (c) => c.notNull())
    .addColumn('billing_group', 'text')
    .addColumn('billing_sku_ids', 'text', (c) => c.notNull())
    .addColumn('sign_in_activity', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('csp_customer_access')
    .addColumn('customer_id', 'text', (c) => c.primaryKey().references('csp_customers.id').onDelete('cascade'))
    .addColumn('relationship', 'text', (c) => c.notNull())
    .addColumn('gdap_relationship_id', 'text')
    .addColumn('gdap_status', 'text')
    .addColumn('gdap_role_ids', 'text', (c) => c.notNull())
    .addColumn('gdap_ends_at', 'text')
    .addColumn('consent_state', 'text', (c) => c.notNull())
    .addColumn('consent_at', 'text')
    .addColumn('consent_error', 'text')
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('csp_tenant_consents')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('csp_customers.id').onDelete('cascade'))
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .execute();
}
