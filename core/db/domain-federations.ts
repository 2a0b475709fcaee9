import type { Db } from './database.ts';
import type { Domain } from './schema.ts';
import type { DomainFederation } from './schema.ts';

/**
 * Which domains Lanyard has federated in its organization's Microsoft 365 tenant. Written by
 * `lanyard federate`, removed by `lanyard unfederate`; key rollover pushes certificates to these.
 *
 * @example
 *   await markDomainFederated(db, { domainId, organizationId, tenantId });
 *   const domains = await listFederatedDomains(db, organizationId);
 */
export async function markDomainFederated(
  db: Db,
  values: Pick<DomainFederation, 'domainId' | 'organizationId' | 'tenantId'>,
  now: Date = new Date(),
): Promise<void> {
  const at = now.toISOString();
  await db
    .insertInto('domainFederations')
    .values({ ...values, federatedAt: at, updatedAt: at })
    .onConflict((conflict) => conflict.column('domainId').doUpdateSet({ tenantId: values.tenantId, updatedAt: at }))
    .execute();
}

export async function unmarkDomainFederated(db: Db, domainId: string): Promise<boolean> {
  const result = await db.deleteFrom('domainFederations').where('domainId', '=', domainId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The federation record of one domain, if Lanyard federated it. */
export async function findDomainFederation(db: Db, domainId: string): Promise<DomainFederation | undefined> {
  return db.selectFrom('domainFederations').selectAll().where('domainId', '=', domainId).executeTakeFirst();
}

/** The federated domains, of one organization or of all, with their domain rows, by name. */
export async function listFederatedDomains(db: Db, organizationId?: string): Promise<Array<Domain & { tenantId: string; federatedAt: string }>> {
  let query = db
    .selectFrom('domainFederations')
    .innerJoin('domains', 'domains.id', 'domainFederations.domainId')
    .selectAll('domains')
    .select(['domainFederations.tenantId', 'domainFederations.federatedAt'])
    .orderBy('domains.name');
  if (organizationId) query = query.where('domainFederations.organizationId', '=', organizationId);
  return query.execute();
}
