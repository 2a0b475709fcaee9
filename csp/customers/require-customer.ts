import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { findCustomerByRef } from '../data/customers.ts';
import type { CspCustomer } from '../data/tables.ts';

/**
 * The customer a command names (its tenant id or its `*.onmicrosoft.com` domain), or
 * `CSP_CUSTOMER_NOT_FOUND` (404) saying how to find the right name.
 *
 * @example
 *   const customer = await requireCustomer(db, 'fabrikam.onmicrosoft.com');
 */
export async function requireCustomer(db: Db, ref: string): Promise<CspCustomer> {
  const customer = await findCustomerByRef(db, ref);
  if (!customer) {
    throw new LanyardError('CSP_CUSTOMER_NOT_FOUND', `no CSP customer "${ref.trim()}" (name it by tenant id or *.onmicrosoft.com domain); see \`lanyard csp customer list <partner>\``, { customer: ref.trim() });
  }
  return customer;
}
