import type { Kysely } from 'kysely';

/**
 * The on-premises directory agent: registered agents (hashed keys), per-organization sync state
 * (lease, checkpoint-free status, deletion guard) and pass-through sign-in requests.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('directory_agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('last_seen_at', 'text')
    .addColumn('connected_until', 'text')
    .addColumn('version', 'text')
    .addColumn('last_error_code', 'text')
    .addColumn('last_error_message', 'text')
    .addColumn('last_error_at', 'text')
    .execute();
  await db.schema.createIndex('directory_agents_organization_id').on('directory_agents').column('organization_id').execute();

  await db.schema
    .createTable('directory_sync_states')
    .addColumn('organization_id', 'text', (c) => c.primaryKey().references('organizations.id'))
    .addColumn('lease_agent_id', 'text')
    .addColumn('lease_run_id', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('run_mode', 'text')
    .addColumn('run_started_at', 'text')
    .addColumn('run_counts', 'text')
    .addColumn('run_errors', 'text')
    .addColumn('last_sync_agent_id', 'text')
    .addColumn('last_sync_mode', 'text')
    .addColumn('last_sync_started_at', 'text')
    .addColumn('last_sync_finished_at', 'text')
    .addColumn('last_sync_outcome', 'text')
    .addColumn('last_sync_counts', 'text')
    .addColumn('last_sync_errors', 'text')
    .addColumn('sync_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deletion_threshold', 'integer', (c) => c.notNull().defaultTo(500))
    .addColumn('pending_deletion_count', 'integer')
    .addColumn('confirmed_deletion_count', 'integer')
    .execute();

  await db.schema
    .createTable('pass_through_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('upn', 'text', (c) => c.notNull())
    .addColumn('sealed_password', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('claimed_by_agent_id', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('result', 'text')
    .addColumn('result_code', 'text')
    .addColumn('answered_at', 'text')
    .execute();
  await db.schema.createIndex('pass_through_requests_organization_id').on('pass_through_requests').columns(['organization_id', 'claimed_at']).execute();

  // Sync finds directory users by their anchor within an organization on every entry.
  await db.schema.createIndex('users_organization_external_id').on('users').columns(['organization_id', 'external_id']).execute();
}
