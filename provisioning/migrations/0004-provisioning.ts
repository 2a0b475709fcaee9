import type { Kysely } from 'kysely';

/**
 * The provisioning engine (issue 5): per-organization settings (auto-provisioning, deletion threshold,
 * default licences, the one run allowed at a time), runs with a lease so two nodes never run the same
 * one, per-account results, the tenant snapshot a run works from, and activation tokens (hashes only).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('provisioning_settings')
    .addColumn('organization_id', 'text', (c) => c.primaryKey().references('organizations.id'))
    .addColumn('auto_provisioning', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deletion_threshold', 'integer', (c) => c.notNull().defaultTo(500))
    .addColumn('default_licences', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('default_usage_location', 'text')
    .addColumn('active_run_id', 'text')
    .addColumn('auto_watermark', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('provisioning_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('scope_user_ids', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total', 'integer')
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('throttled_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('provisioning_runs_organization').on('provisioning_runs').columns(['organization_id', 'created_at']).execute();
  await db.schema.createIndex('provisioning_runs_lease').on('provisioning_runs').columns(['status', 'lease_expires_at']).execute();

  await db.schema
    .createTable('provisioning_results')
    .addColumn('run_id', 'text', (c) => c.notNull().references('provisioning_runs.id').onDelete('cascade'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('microsoft_object_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason_code', 'text')
    .addColumn('message', 'text')
    .addColumn('details', 'text')
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('provisioning_results_pk', ['run_id', 'subject'])
    .execute();
  await db.schema.createIndex('provisioning_results_outcome').on('provisioning_results').columns(['run_id', 'outcome']).execute();

  await db.schema
    .createTable('provisioning_tenant_users')
    .addColumn('run_id', 'text', (c) => c.notNull().references('provisioning_runs.id').onDelete('cascade'))
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('upn', 'text', (c) => c.notNull())
    .addColumn('immutable_id', 'text')
    .addColumn('display_name', 'text')
    .addColumn('given_name', 'text')
    .addColumn('surname', 'text')
    .addColumn('usage_location', 'text')
    .addColumn('account_enabled', 'integer', (c) => c.notNull())
    .addColumn('licence_sku_ids', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('provisioning_tenant_users_pk', ['run_id', 'object_id'])
    .execute();
  await db.schema.createIndex('provisioning_tenant_users_upn').on('provisioning_tenant_users').columns(['run_id', 'upn']).execute();
  await db.schema.createIndex('provisioning_tenant_users_immutable_id').on('provisioning_tenant_users').columns(['run_id', 'immutable_id']).execute();

  await db.schema
    .createTable('activation_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('activation_tokens_user').on('activation_tokens').column('user_id').execute();

  // Auto-provisioning finds changed accounts by update time.
  await db.schema.createIndex('users_organization_updated_at').on('users').columns(['organization_id', 'updated_at']).execute();
}
