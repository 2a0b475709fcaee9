import type { Kysely } from 'kysely';

/**
 * Domains Lanyard adds to customers' tenants (issue 12) and their way to verified: `unverified`
 * until Microsoft verified the domain and its service records are written or shown; `verified`;
 * `failed` when Microsoft refused the domain in a way retrying cannot fix. The "verify and set up"
 * job takes unverified rows whose `next_attempt_at` has come, oldest first; each failed attempt
 * counts in `attempts`, pushes `next_attempt_at` back exponentially and keeps its error. A domain is
 * in one tenant only (Microsoft verifies a name in one tenant), so `domain` is unique.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csp_customer_domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('csp_customers.id'))
    .addColumn('domain', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('unverified'))
    .addColumn('zone', 'text')
    .addColumn('last_error_code', 'text')
    .addColumn('last_error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('csp_customer_domains_due').on('csp_customer_domains').columns(['state', 'next_attempt_at', 'created_at']).execute();
  await db.schema.createIndex('csp_customer_domains_customer').on('csp_customer_domains').column('customer_id').execute();
}
