import type { Kysely } from 'kysely';

/**
 * Each organization's logo for its sign-in pages (issue 13): a checked PNG or JPEG, kept as base64
 * text (portable across SQLite and PostgreSQL) with its SHA-256, which is also its public URL's
 * name (/branding/logo/<sha256>.<ext>), so a new logo is a new URL and the old one can be cached
 * for ever. One logo per organization; removed with it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organization_logos')
    .addColumn('organization_id', 'text', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('bytes_base64', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organization_logos_sha256').on('organization_logos').column('sha256').execute();
}
