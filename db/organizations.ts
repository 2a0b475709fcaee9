import { randomUUID } from 'node:crypto';
import type { Db } from './database.ts';
import type { Organization } from './schema.ts';

/** Inserts an organization; a duplicate slug surfaces as a unique violation for the caller to map. */
export async function insertOrganization(
  db: Db,
  values: { slug: string; name: string; mfaPolicy?: Organization['mfaPolicy'] },
  now: Date = new Date(),
): Promise<Organization> {
  const organization: Organization = {
    id: randomUUID(),
    slug: values.slug,
    name: values.name,
    mfaPolicy: values.mfaPolicy ?? 'required',
    createdAt: now.toISOString(),
  };
  await db.insertInto('organizations').values(organization).execute();
  return organization;
}

export async function findOrganizationBySlug(db: Db, slug: string): Promise<Organization | undefined> {
  return db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findOrganizationById(db: Db, id: string): Promise<Organization | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOrganizations(db: Db): Promise<Organization[]> {
  return db.selectFrom('organizations').selectAll().orderBy('slug').execute();
}

export async function updateOrganizationMfaPolicy(db: Db, id: string, mfaPolicy: Organization['mfaPolicy']): Promise<void> {
  await db.updateTable('organizations').set({ mfaPolicy }).where('id', '=', id).execute();
}
