import type { Kysely } from 'kysely';

/**
 * Each account's usage location (ISO 3166-1 alpha-2, e.g. GB): Microsoft needs it before it assigns a
 * licence, and it is a legal fact about the person (where the service is used), so an organization
 * spread over countries cannot live with one default. Null: the organization's default applies.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('usage_location', 'text').execute();
}
