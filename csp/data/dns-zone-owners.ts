import { sql } from 'kysely';
import type { Db } from '../../core/db/database.ts';
import type { CspDnsZoneOwner } from './tables.ts';

/**
 * Who owns each hosted DNS zone (0027). Zone names are stored as the provider names them, lower case
 * without the final dot; callers pass them through canonicalName.
 */

/**
 * Claims `zone` for a customer unless it has an owner already (the primary key decides, no read
 * first, so two first writes cannot both win). Returns the owner after the call: the caller compares.
 */
export async function claimDnsZone(db: Db, values: { zone: string; customerId: string; claimedBy: string }, now: Date): Promise<{ owner: CspDnsZoneOwner; claimed: boolean }> {
  const inserted = await db
    .insertInto('cspDnsZoneOwners')
    .values({ zone: values.zone, customerId: values.customerId, claimedBy: values.claimedBy, claimedAt: now.toISOString() })
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirst();
  const owner = (await findDnsZoneOwner(db, values.zone))!;
  return { owner, claimed: Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1 };
}

export async function findDnsZoneOwner(db: Db, zone: string): Promise<CspDnsZoneOwner | undefined> {
  return db.selectFrom('cspDnsZoneOwners').selectAll().where('zone', '=', zone).executeTakeFirst();
}

/**
 * The claims on `zone`, on the zones around it (`contoso.com` for `eu.contoso.com`) and on the
 * zones inside it (`eu.contoso.com` for `contoso.com`): a name space split between two customers
 * would let one write the other's names, and Microsoft keeps a domain's subdomains in its tenant.
 */
export async function listDnsZoneClaimsAround(db: Db, zone: string): Promise<CspDnsZoneOwner[]> {
  const labels = zone.split('.');
  const enclosing = labels.map((_, start) => labels.slice(start).join('.'));
  const inside = `%.${zone.replace(/[\\%_]/g, (char) => `\\${char}`)}`;
  return db
    .selectFrom('cspDnsZoneOwners')
    .selectAll()
    .where((eb) => eb.or([eb('zone', 'in', enclosing), sql<boolean>`${sql.ref('zone')} like ${inside} escape '\\'`]))
    .orderBy('zone')
    .execute();
}

export async function listDnsZoneOwners(db: Db): Promise<CspDnsZoneOwner[]> {
  return db.selectFrom('cspDnsZoneOwners').selectAll().orderBy('zone').execute();
}

/** Removes the claim on `zone`; false when there was none. */
export async function releaseDnsZone(db: Db, zone: string): Promise<boolean> {
  const deleted = await db.deleteFrom('cspDnsZoneOwners').where('zone', '=', zone).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}
