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

/**
 * Deletes an organization that has no domains and no accounts, with what only configures it
 * (agents and their sync state, the tenant connection, provisioning settings and runs, API
 * tokens), in one transaction; false, with nothing deleted, when a domain or an account exists.
 * The emptiness is checked by the final DELETE itself, so a domain added meanwhile keeps it.
 */
export async function deleteEmptyOrganization(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('passThroughRequests').where('organizationId', '=', id).execute();
    await trx.deleteFrom('directorySyncStates').where('organizationId', '=', id).execute();
    await trx.deleteFrom('directoryAgents').where('organizationId', '=', id).execute();
    await trx.deleteFrom('tenantConnections').where('organizationId', '=', id).execute();
    await trx.deleteFrom('provisioningRuns').where('organizationId', '=', id).execute();
    await trx.deleteFrom('provisioningSettings').where('organizationId', '=', id).execute();
    await trx.deleteFrom('apiTokens').where('organizationId', '=', id).execute();
    const result = await trx
      .deleteFrom('organizations')
      .where('id', '=', id)
      .where((eb) => eb.not(eb.exists(trx.selectFrom('domains').select('id').where('organizationId', '=', id))))
      .where((eb) => eb.not(eb.exists(trx.selectFrom('users').select('id').where('organizationId', '=', id))))
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 1) return true;
    // Undo the configuration deletes: the organization stays as it was.
    throw new OrganizationInUse();
  }).catch((error) => {
    if (error instanceof OrganizationInUse) return false;
    throw error;
  });
}

class OrganizationInUse extends Error {}
