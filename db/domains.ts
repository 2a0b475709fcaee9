import { randomUUID } from 'node:crypto';
import type { Db } from './database.ts';
import { preparedQuery, type QueryParameter } from './prepared-query.ts';
import { domainColumns, type Domain, type DomainsTable } from './schema.ts';

export async function insertDomain(
  db: Db,
  values: { organizationId: string; name: string; issuerUri: string; protocol?: Domain['protocol']; mfaBehavior?: Domain['mfaBehavior'] },
  now: Date = new Date(),
): Promise<Domain> {
  const domain: Domain = {
    id: randomUUID(),
    organizationId: values.organizationId,
    name: values.name,
    issuerUri: values.issuerUri,
    protocol: values.protocol ?? 'wsfed',
    mfaBehavior: values.mfaBehavior ?? 'enforce',
    requireSignedRequests: 0,
    createdAt: now.toISOString(),
  };
  await db.insertInto('domains').values(domain).execute();
  return domain;
}

// Every federation request starts with this lookup.
const domainByName = preparedQuery((db, param: QueryParameter<{ name: string }>) => db.selectFrom('domains').select(domainColumns).where('name', '=', param('name')));

export async function findDomainByName(db: Db, name: string): Promise<Domain | undefined> {
  return (await domainByName(db, { name: name.toLowerCase() }))[0];
}

export async function findDomainById(db: Db, id: string): Promise<Domain | undefined> {
  return db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listDomains(db: Db, organizationId?: string): Promise<Domain[]> {
  let query = db.selectFrom('domains').selectAll().orderBy('name');
  if (organizationId) query = query.where('organizationId', '=', organizationId);
  return query.execute();
}

export async function updateDomainSettings(
  db: Db,
  id: string,
  settings: Partial<Pick<DomainsTable, 'protocol' | 'mfaBehavior' | 'requireSignedRequests'>>,
): Promise<void> {
  if (Object.keys(settings).length === 0) return;
  await db.updateTable('domains').set(settings).where('id', '=', id).execute();
}
