import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import type { CspCustomer } from './tables.ts';

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
    .values({ ...values, id, domain: values.domain.toLowerCase(), createdAt: at, updatedAt: at })
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
