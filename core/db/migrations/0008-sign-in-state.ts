import type { Kysely } from 'kysely';

/**
 * Sign-in hardening (issue #9).
 * - `sign_in_requests.version`: every step is a compare-and-set on (user, version), so a step verified
 *   against one state of the request can never land on another (the stale-request MFA bypass).
 * - `sign_in_requests.mfa_credential_id`: the credential whose code was accepted, so the MFA step is
 *   bound to the user and credential it checked.
 * - `familiar_addresses`: where each account has completed a sign-in before, shared by all nodes, so
 *   failures from elsewhere are counted apart and cannot lock the real user out (smart lockout).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sign_in_requests').addColumn('version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sign_in_requests').addColumn('mfa_credential_id', 'text').execute();
  await db.schema
    .createTable('familiar_addresses')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('familiar_addresses_pk', ['user_id', 'address'])
    .execute();
}
