import type { Kysely } from 'kysely';

/**
 * CSP customers (issue 11): a Microsoft customer tenant a partner sells to, created through Lanyard
 * or imported from Partner Center. Partner Center's customer id is the customer's tenant id, unique
 * per partner; the initial `*.onmicrosoft.com` domain is unique everywhere (Microsoft's namespace).
 * The Microsoft Customer Agreement acceptance is recorded here (who, when, for which contact) before
 * any order. A customer may be linked to a Lanyard organization, whose tenant access then goes
 * through the partner's delegated access.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('csp_customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('csp_partners.id'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull().unique())
    .addColumn('company_name', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('email', 'text')
    .addColumn('billing_profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('reseller_id', 'text')
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id'))
    .addColumn('relationship', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('agreement_accepted_at', 'text')
    .addColumn('agreement_accepted_by', 'text')
    .addColumn('agreement_contact', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('csp_customers_partner_tenant', ['partner_id', 'tenant_id'])
    .execute();
  await db.schema.createIndex('csp_customers_organization').on('csp_customers').column('organization_id').execute();
}
