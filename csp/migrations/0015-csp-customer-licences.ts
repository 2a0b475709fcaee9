import type { Kysely } from 'kysely';

/**
 * What `csp customer import` brings of a customer's licences (issue 11): the last snapshot of its
 * subscribed SKUs (`GET /v1/customers/{id}/subscribedskus`), one row per SKU, replaced on every
 * import. Subscriptions themselves are the subscriptions part's table (0013), not this one.
 *
 * Also: one customer per Lanyard organization (the organization's tenant is that customer's), by a
 * unique index, so two `csp customer link` commands at once cannot both link the same organization.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csp_customer_licences')
    .addColumn('customer_id', 'text', (c) => c.notNull().references('csp_customers.id').onDelete('cascade'))
    .addColumn('sku_id', 'text', (c) => c.notNull())
    .addColumn('sku_part_number', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('consumed', 'integer', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('csp_customer_licences_pk', ['customer_id', 'sku_id'])
    .execute();
  await db.schema.dropIndex('csp_customers_organization').execute();
  await db.schema.createIndex('csp_customers_organization').unique().on('csp_customers').column('organization_id').execute();
}
