import type { Kysely } from 'kysely';

/**
 * The partner's own price list (what it charges its customers per licence and full term), and the
 * source of the price fixed on each subscription and billing line: `partner`, `catalog` (Partner
 * Center's list price, which only the emulator gives) or `none`. Rows written before this migration
 * took their price from the catalog. An empty term or billing cycle in a price means "any".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csp_prices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('csp_partners.id').onDelete('cascade'))
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('term_duration', 'text', (c) => c.notNull())
    .addColumn('billing_cycle', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('csp_prices_key').unique().on('csp_prices').columns(['partner_id', 'offer_id', 'term_duration', 'billing_cycle']).execute();
  await db.schema.alterTable('csp_subscriptions').addColumn('price_source', 'text', (c) => c.notNull().defaultTo('catalog')).execute();
  await db.schema.alterTable('csp_billing_lines').addColumn('price_source', 'text', (c) => c.notNull().defaultTo('catalog')).execute();
}
