import type { Kysely } from 'kysely';

/**
 * The admin portal (issue 13): who is an admin of what (roles with their scope), and the portal's
 * own sessions (the cookie's hash only, idle and absolute deadlines, the last fresh TOTP for
 * dangerous actions). `scope_key` names the scope in one non-null column, so one grant of a role
 * and scope is unique on both dialects (a unique index over nullable columns is not).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('portal_admin_roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('partner_id', 'text', (c) => c.references('csp_partners.id').onDelete('cascade'))
    .addColumn('reseller_id', 'text')
    .addColumn('scope_key', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('portal_admin_roles_grant', ['user_id', 'role', 'scope_key'])
    .execute();
  await db.schema
    .createTable('portal_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('sign_in_ref', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('reauth_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('client_address', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('portal_sessions_user').on('portal_sessions').column('user_id').execute();
}
