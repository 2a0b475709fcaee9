import { sql, type Kysely } from 'kysely';

/**
 * CSP subscriptions (issue 11): what a customer bought through Lanyard (or had in Partner Center),
 * every change to it as a durable operation, and the billing lines an invoicing system exports.
 *
 * - `csp_subscriptions`: one row per Partner Center subscription, with what Partner Center last
 *   said (quantity, status, commitment end, cancellation window, refundable seats, etag). A row is
 *   written in status `ordering` before the order is sent, so a unique index (not a read) keeps one
 *   subscription per offer per customer among those `ordering` or `active`. `locked_by_change` holds
 *   the change in flight (set by compare-and-set), which locks the subscription against others.
 * - `csp_subscription_changes`: order, quantity, terminate, auto-renew, schedule. Each has its
 *   `MS-RequestId` chosen and stored before Partner Center is called, so a retry after a crash
 *   sends the same id and Partner Center answers with the first result instead of ordering twice.
 *   Its state moves `queued → submitted → (provisioning →) succeeded | failed` by compare-and-set.
 * - `csp_billing_lines`: one per change that costs something (a purchase, an increase), unique per
 *   change, so a job that runs twice bills once. Amounts in minor units (cents).
 * - Partner settings: align renewals (co-term new subscriptions), prevent decreases below the
 *   consumed licences, and the legacy termination delay in days.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('csp_partners').addColumn('align_renewals', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('csp_partners').addColumn('prevent_decrease_below_consumed', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('csp_partners').addColumn('legacy_termination_days', 'integer', (c) => c.notNull().defaultTo(120)).execute();

  await db.schema
    .createTable('csp_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('csp_partners.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('csp_customers.id'))
    .addColumn('partner_center_id', 'text', (c) => c.unique())
    .addColumn('order_id', 'text')
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('offer_name', 'text', (c) => c.notNull())
    .addColumn('is_new_commerce', 'integer', (c) => c.notNull())
    .addColumn('licence_sku_id', 'text')
    .addColumn('minimum_quantity', 'integer', (c) => c.notNull())
    .addColumn('maximum_quantity', 'integer', (c) => c.notNull())
    .addColumn('seat_based', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('billing_cycle', 'text', (c) => c.notNull())
    .addColumn('term_duration', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('term_start_date', 'text')
    .addColumn('commitment_end_date', 'text')
    .addColumn('custom_term_end_date', 'text')
    .addColumn('cancellation_allowed_until', 'text')
    .addColumn('refundable_quantity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('refundable_details', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('auto_renew', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('scheduled_quantity', 'integer')
    .addColumn('etag', 'text')
    .addColumn('locked_by_change', 'text')
    .addColumn('unit_price_minor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('USD'))
    .addColumn('prorate', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('delete_after', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('csp_subscriptions_one_active_per_offer')
    .on('csp_subscriptions')
    .columns(['customer_id', 'offer_id'])
    .unique()
    .where(sql.ref('status'), 'in', sql`('ordering', 'active')`)
    .execute();
  await db.schema.createIndex('csp_subscriptions_customer').on('csp_subscriptions').column('customer_id').execute();

  await db.schema
    .createTable('csp_subscription_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('csp_subscriptions.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('cart_request_id', 'text')
    .addColumn('cart_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('previous_quantity', 'integer')
    .addColumn('job_id', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('error_details', 'text')
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('csp_subscription_changes_subscription').on('csp_subscription_changes').column('subscription_id').execute();

  await db.schema
    .createTable('csp_billing_lines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('csp_partners.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('csp_customers.id'))
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('csp_subscriptions.id'))
    .addColumn('change_id', 'text', (c) => c.notNull().unique().references('csp_subscription_changes.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('unit_price_minor', 'integer', (c) => c.notNull())
    .addColumn('share', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('csp_billing_lines_partner_created').on('csp_billing_lines').columns(['partner_id', 'created_at']).execute();
}
