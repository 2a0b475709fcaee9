import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
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

/** The names a domain is a subdomain of, nearest first, down to the second level: a.b.example.com → b.example.com, example.com. */
export function parentDomainNames(name: string): string[] {
  const labels = name.split('.');
  return labels.slice(1, -1).map((_, index) => labels.slice(index + 1).join('.'));
}

/** A domain of another organization that `name` is a subdomain of, or that is a subdomain of `name`. */
function relatedDomainElsewhere(db: Db, organizationId: string, name: string) {
  const parents = parentDomainNames(name);
  return db
    .selectFrom('domains')
    .select('domains.id')
    .where('domains.organizationId', '<>', organizationId)
    .where((related) => related.or([related('domains.name', 'like', `%.${name}`), ...(parents.length > 0 ? [related('domains.name', 'in', parents)] : [])]));
}

/** A new domain's row with its defaults (WS-Federation, MFA enforce), not stored: what adding it would store. */
export function newDomainRow(values: { organizationId: string; name: string; issuerUri: string }, now: Date = new Date()): Domain {
  return {
    id: randomUUID(), organizationId: values.organizationId, name: values.name, issuerUri: values.issuerUri,
    protocol: 'wsfed', mfaBehavior: 'enforce', requireSignedRequests: 0, createdAt: now.toISOString(),
  };
}

/**
 * Inserts a domain unless another organization owns a parent or a subdomain of it (a subdomain is
 * verified in its root's Microsoft 365 tenant and follows its federation); undefined then. One
 * statement, so two organizations adding related names at once cannot both succeed. A duplicate
 * name surfaces as a unique violation.
 */
export async function insertDomainUnrelatedElsewhere(
  db: Db,
  values: { organizationId: string; name: string; issuerUri: string },
  now: Date = new Date(),
): Promise<Domain | undefined> {
  const domain = newDomainRow(values, now);
  const result = await db
    .insertInto('domains')
    .columns(domainColumns)
    .expression(
      db
        .selectNoFrom((eb) => [
          eb.val(domain.id).as('id'), eb.val(domain.organizationId).as('organizationId'), eb.val(domain.name).as('name'),
          eb.val(domain.issuerUri).as('issuerUri'), eb.val(domain.protocol).as('protocol'), eb.val(domain.mfaBehavior).as('mfaBehavior'),
          sql.lit(0).as('requireSignedRequests'), eb.val(domain.createdAt).as('createdAt'),
        ])
        .where((eb) => eb.not(eb.exists(relatedDomainElsewhere(db, values.organizationId, values.name)))),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1 ? domain : undefined;
}

/** The name of a domain of another organization related to `name` as insertDomainUnrelatedElsewhere refuses. */
export async function findRelatedDomainElsewhere(db: Db, organizationId: string, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('domains').select('name').where('id', 'in', relatedDomainElsewhere(db, organizationId, name)).executeTakeFirst();
  return row?.name;
}

/**
 * The organization's accounts whose UPN is in `domain` or in a subdomain of it that is not
 * registered on its own (those resolve to the nearest registered parent: findDomainForUpnSuffix).
 */
function accountsOfDomain(db: Db, domain: Domain, registeredSubdomains: readonly string[]) {
  return db
    .selectFrom('users')
    .select('users.id')
    .where('users.organizationId', '=', domain.organizationId)
    .where((eb) => {
      const inDomain = (name: string) => eb.or([eb('users.upn', 'like', `%@${name}`), eb('users.upn', 'like', `%.${name}`)]);
      return eb.and([inDomain(domain.name), ...registeredSubdomains.map((name) => eb.not(inDomain(name)))]);
    });
}

function federationOf(db: Db, domainId: string) {
  return db.selectFrom('domainFederations').select('domainFederations.domainId').where('domainFederations.domainId', '=', domainId);
}

/**
 * Deletes a domain unless it is federated or accounts sign in through it, checked in the same
 * statement; false when it was kept. Its open sign-in requests go with it.
 */
export async function deleteUnusedDomain(db: Db, domain: Domain): Promise<boolean> {
  const registeredSubdomains = (await listDomains(db, domain.organizationId)).map((other) => other.name).filter((name) => name.endsWith(`.${domain.name}`));
  const result = await db
    .deleteFrom('domains')
    .where('id', '=', domain.id)
    .where((eb) => eb.not(eb.exists(federationOf(db, domain.id))))
    .where((eb) => eb.not(eb.exists(accountsOfDomain(db, domain, registeredSubdomains))))
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** How many of the organization's accounts sign in through `domain` (see deleteUnusedDomain). */
export async function countAccountsOfDomain(db: Db, domain: Domain): Promise<number> {
  const registeredSubdomains = (await listDomains(db, domain.organizationId)).map((other) => other.name).filter((name) => name.endsWith(`.${domain.name}`));
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('id', 'in', accountsOfDomain(db, domain, registeredSubdomains))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Changes a domain's issuer unless it is federated (Microsoft holds the old one), in one statement; false then. */
export async function updateIssuerUnlessFederated(db: Db, domainId: string, issuerUri: string): Promise<boolean> {
  const result = await db
    .updateTable('domains')
    .set({ issuerUri })
    .where('id', '=', domainId)
    .where((eb) => eb.not(eb.exists(federationOf(db, domainId))))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
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
