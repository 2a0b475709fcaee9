import type { Db } from '../../core/db/database.ts';
import type { CspCustomerAccess, RelationshipKind, TenantConsentState } from './sync-tables.ts';
import './sync-tables.ts';

export interface RelationshipSeen {
  readonly relationship: RelationshipKind;
  readonly gdapRelationshipId: string | null;
  readonly gdapStatus: string | null;
  readonly gdapRoleIds: readonly string[];
  readonly gdapEndsAt: string | null;
}

export async function findCustomerAccess(db: Db, customerId: string): Promise<CspCustomerAccess | undefined> {
  return db.selectFrom('cspCustomerAccess').selectAll().where('customerId', '=', customerId).executeTakeFirst();
}

/**
 * Records what the sync found of the relationship (DAP or GDAP, its roles). A GDAP customer's tenant
 * needs the partner app consented by its admin: the consent state becomes `needed` unless it was
 * granted already; a DAP one's is `not-needed`. The customer row's `relationship` follows.
 */
export async function recordRelationship(db: Db, customerId: string, seen: RelationshipSeen, now: Date): Promise<CspCustomerAccess> {
  const at = now.toISOString();
  const values = {
    relationship: seen.relationship,
    gdapRelationshipId: seen.gdapRelationshipId,
    gdapStatus: seen.gdapStatus,
    gdapRoleIds: JSON.stringify(seen.gdapRoleIds),
    gdapEndsAt: seen.gdapEndsAt,
    checkedAt: at,
  };
  const initialConsent: TenantConsentState = seen.relationship === 'gdap' ? 'needed' : 'not-needed';
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('cspCustomerAccess')
      .values({ customerId, ...values, consentState: initialConsent, consentAt: null, consentError: null })
      .onConflict((conflict) => conflict.column('customerId').doUpdateSet(values))
      .execute();
    // A customer that moved from DAP to GDAP needs the consent now (compare-and-set: a granted one stays).
    if (seen.relationship === 'gdap') {
      await trx.updateTable('cspCustomerAccess').set({ consentState: 'needed' }).where('customerId', '=', customerId).where('consentState', '=', 'not-needed').execute();
    }
    await trx.updateTable('cspCustomers').set({ relationship: seen.relationship }).where('id', '=', customerId).execute();
  });
  return (await findCustomerAccess(db, customerId))!;
}

/** The outcome of a tenant admin's consent, recorded at the callback. */
export async function recordTenantConsent(db: Db, customerId: string, outcome: { granted: boolean; error: string | null }, now: Date): Promise<void> {
  const at = now.toISOString();
  await db
    .insertInto('cspCustomerAccess')
    .values({ customerId, relationship: 'none', gdapRelationshipId: null, gdapStatus: null, gdapRoleIds: '[]', gdapEndsAt: null, checkedAt: at, consentState: outcome.granted ? 'granted' : 'denied', consentAt: at, consentError: outcome.error })
    .onConflict((conflict) => conflict.column('customerId').doUpdateSet({ consentState: outcome.granted ? 'granted' : 'denied', consentAt: at, consentError: outcome.error }))
    .execute();
}

export async function insertTenantConsentRequest(db: Db, request: { stateHash: string; customerId: string; startedBy: string; expiresAt: Date }, now: Date): Promise<void> {
  await db.insertInto('cspTenantConsents').values({ ...request, expiresAt: request.expiresAt.toISOString(), createdAt: now.toISOString(), consumedAt: null }).execute();
}

/**
 * Takes the consent request of a `state` once (compare-and-set on `consumedAt`), if it is not
 * expired: the callback of a link used twice, or too late, finds nothing.
 */
export async function consumeTenantConsentRequest(db: Db, stateHash: string, now: Date): Promise<{ customerId: string; startedBy: string } | undefined> {
  const at = now.toISOString();
  const taken = await db.updateTable('cspTenantConsents').set({ consumedAt: at }).where('stateHash', '=', stateHash).where('consumedAt', 'is', null).where('expiresAt', '>', at).executeTakeFirst();
  if (Number(taken.numUpdatedRows) !== 1) return undefined;
  return db.selectFrom('cspTenantConsents').select(['customerId', 'startedBy']).where('stateHash', '=', stateHash).executeTakeFirst();
}
