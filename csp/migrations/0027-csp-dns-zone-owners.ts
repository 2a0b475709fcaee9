import { sql, type Kysely } from 'kysely';

/**
 * Which CSP customer owns each zone Lanyard's DNS provider hosts (the security review of "Domains"):
 * Lanyard writes into a hosted zone only for its owner. `zone` is the provider's zone name, lower
 * case without the final dot, unique: one owner per zone. `claimed_by` is the audit actor of the
 * first write that claimed it ('cli', 'user:<upn>', or 'migration:0027').
 *
 * Installations that wrote zones before this table existed keep working: a zone whose verified
 * domains are all one customer's is recorded as that customer's. A zone with verified domains of two
 * customers is left unowned (the operator decides, `lanyard csp dns zone list | release`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csp_dns_zone_owners')
    .addColumn('zone', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('csp_customers.id').onDelete('cascade'))
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('csp_dns_zone_owners_customer').on('csp_dns_zone_owners').column('customer_id').execute();
  await sql`
    insert into csp_dns_zone_owners (zone, customer_id, claimed_by, claimed_at)
    select zone, min(customer_id), 'migration:0027', min(coalesce(verified_at, updated_at))
    from csp_customer_domains
    where state = 'verified' and zone is not null
    group by zone
    having count(distinct customer_id) = 1
  `.execute(db);
}
