import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Db } from '../../core/db/database.ts';
import type { CspCustomer, CspCustomerLicence } from './tables.ts';

export type NewCustomer = Pick<CspCustomer, 'partnerId' | 'tenantId' | 'domain' | 'companyName' | 'country' | 'email' | 'resellerId' | 'organizationId' | 'source'> & {
  readonly id?: string;
  readonly billingProfile?: string;
};

/**
 * Adds a customer. Returns undefined when the partner already has this tenant or the domain is
 * taken (unique indexes, no read first), so two imports at once never make two rows.
 *
 * @example
 *   const customer = await insertCustomer(db, { partnerId, tenantId, domain: 'fabrikam.onmicrosoft.com', … });
 */
export async function insertCustomer(db: Db, values: NewCustomer, now: Date = new Date()): Promise<CspCustomer | undefined> {
  const at = now.toISOString();
  const id = values.id ?? randomUUID();
  const inserted = await db
    .insertInto('cspCustomers')
    .values({ ...values, id, tenantId: values.tenantId.toLowerCase(), domain: values.domain.toLowerCase(), createdAt: at, updatedAt: at })
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return undefined;
  return findCustomerById(db, id);
}

export async function findCustomerById(db: Db, id: string): Promise<CspCustomer | undefined> {
  return db.selectFrom('cspCustomers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A customer as people name it on the command line: its tenant id or its `*.onmicrosoft.com` domain. */
export async function findCustomerByRef(db: Db, ref: string): Promise<CspCustomer | undefined> {
  const lowered = ref.trim().toLowerCase();
  return db
    .selectFrom('cspCustomers')
    .selectAll()
    .where((eb) => eb.or([eb('tenantId', '=', lowered), eb('domain', '=', lowered)]))
    .executeTakeFirst();
}

/** One partner's customer by its tenant id or `*.onmicrosoft.com` domain (the portal's URLs name customers so). */
export async function findPartnerCustomerByRef(db: Db, partnerId: string, ref: string): Promise<CspCustomer | undefined> {
  const lowered = ref.trim().toLowerCase();
  return db
    .selectFrom('cspCustomers')
    .selectAll()
    .where('partnerId', '=', partnerId)
    .where((eb) => eb.or([eb('tenantId', '=', lowered), eb('domain', '=', lowered)]))
    .executeTakeFirst();
}

export async function findCustomerByOrganization(db: Db, organizationId: string): Promise<CspCustomer | undefined> {
  return db.selectFrom('cspCustomers').selectAll().where('organizationId', '=', organizationId).executeTakeFirst();
}

export async function listCustomers(db: Db, partnerId: string): Promise<CspCustomer[]> {
  return db.selectFrom('cspCustomers').selectAll().where('partnerId', '=', partnerId).orderBy('domain').execute();
}

/**
 * Records the Microsoft Customer Agreement acceptance (who in Lanyard, when, for which customer
 * contact). Orders are refused until this is set.
 */
export async function recordAgreementAcceptance(db: Db, customerId: string, acceptance: { by: string; contact: Record<string, string> }, now: Date = new Date()): Promise<void> {
  const at = now.toISOString();
  await db
    .updateTable('cspCustomers')
    .set({ agreementAcceptedAt: at, agreementAcceptedBy: acceptance.by, agreementContact: JSON.stringify(acceptance.contact), updatedAt: at })
    .where('id', '=', customerId)
    .execute();
}

/** What an import may change on a customer row (Partner Center's view of it). */
export type CustomerChanges = Partial<Pick<CspCustomer, 'tenantId' | 'domain' | 'companyName' | 'country' | 'email' | 'billingProfile' | 'resellerId'>>;

/**
 * Writes an import's changes to a customer (the caller computed that something changed).
 *
 * @example
 *   await updateCustomer(db, customer.id, { companyName: 'Fabrikam AG' });
 */
export async function updateCustomer(db: Db, customerId: string, changes: CustomerChanges, now: Date = new Date()): Promise<CspCustomer | undefined> {
  const values = changes.domain ? { ...changes, domain: changes.domain.toLowerCase() } : changes;
  await db.updateTable('cspCustomers').set({ ...values, updatedAt: now.toISOString() }).where('id', '=', customerId).execute();
  return findCustomerById(db, customerId);
}

export async function findCustomerByTenant(db: Db, partnerId: string, tenantId: string): Promise<CspCustomer | undefined> {
  return db.selectFrom('cspCustomers').selectAll().where('partnerId', '=', partnerId).where('tenantId', '=', tenantId.toLowerCase()).executeTakeFirst();
}

export async function findCustomerByDomain(db: Db, domain: string): Promise<CspCustomer | undefined> {
  return db.selectFrom('cspCustomers').selectAll().where('domain', '=', domain.toLowerCase()).executeTakeFirst();
}

/**
 * Links a customer to an organization: only while the customer is unlinked or already linked to
 * that organization (compare-and-set). An organization already linked to another customer breaks
 * the unique index (0015): 'taken'. 'moved' means the customer is linked elsewhere.
 *
 * @example
 *   if ((await linkCustomerOrganization(db, customer.id, organization.id)) !== 'linked') …
 */
export async function linkCustomerOrganization(db: Db, customerId: string, organizationId: string, now: Date = new Date()): Promise<'linked' | 'moved' | 'taken'> {
  try {
    const result = await db
      .updateTable('cspCustomers')
      .set({ organizationId, updatedAt: now.toISOString() })
      .where('id', '=', customerId)
      .where((eb) => eb.or([eb('organizationId', 'is', null), eb('organizationId', '=', organizationId)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? 'linked' : 'moved';
  } catch (error) {
    if (isUniqueViolation(error)) return 'taken';
    throw error;
  }
}

/** Unlinks a customer from `organizationId` (compare-and-set: only if it is still that one's). */
export async function unlinkCustomerOrganization(db: Db, customerId: string, organizationId: string, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('cspCustomers')
    .set({ organizationId: null, updatedAt: now.toISOString() })
    .where('id', '=', customerId)
    .where('organizationId', '=', organizationId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type NewCustomerLicence = Omit<CspCustomerLicence, 'customerId' | 'seenAt'>;

/**
 * Replaces a customer's licence snapshot with what Partner Center shows now, in one transaction:
 * SKUs seen are upserted, SKUs no longer there removed, so concurrent imports leave one snapshot.
 *
 * @example
 *   await replaceCustomerLicences(db, customer.id, [{ skuId, skuPartNumber: 'ENTERPRISEPACK', total: 10, consumed: 3 }]);
 */
export async function replaceCustomerLicences(db: Db, customerId: string, licences: readonly NewCustomerLicence[], now: Date = new Date()): Promise<void> {
  const seenAt = now.toISOString();
  await db.transaction().execute(async (trx) => {
    let removal = trx.deleteFrom('cspCustomerLicences').where('customerId', '=', customerId);
    if (licences.length > 0) removal = removal.where('skuId', 'not in', licences.map((licence) => licence.skuId));
    await removal.execute();
    for (const licence of licences) {
      await trx
        .insertInto('cspCustomerLicences')
        .values({ ...licence, customerId, seenAt })
        .onConflict((conflict) => conflict.columns(['customerId', 'skuId']).doUpdateSet({ skuPartNumber: licence.skuPartNumber, total: licence.total, consumed: licence.consumed, seenAt }))
        .execute();
    }
  });
}

export async function listCustomerLicences(db: Db, customerId: string): Promise<CspCustomerLicence[]> {
  return db.selectFrom('cspCustomerLicences').selectAll().where('customerId', '=', customerId).orderBy('skuPartNumber').execute();
}
