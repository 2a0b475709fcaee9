import type { Kysely } from 'kysely';

/**
 * Microsoft 365 tenant connections: one app registration (client credentials) per organization,
 * the client secret sealed under the master key. Used by `lanyard tenant connect`, federate /
 * unfederate, key-rollover pushes and the provisioning engine. Plus which of an organization's
 * domains Lanyard has federated in its tenant (so a key rollover knows where to push certificates).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenant_connections')
    .addColumn('organization_id', 'text', (c) => c.primaryKey().references('organizations.id'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_encrypted', 'text', (c) => c.notNull())
    .addColumn('connected_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('domain_federations')
    .addColumn('domain_id', 'text', (c) => c.primaryKey().references('domains.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('federated_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('domain_federations_organization_id').on('domain_federations').column('organization_id').execute();
}
