import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { findCustomerByRef } from '../data/customers.ts';
import type { CspCustomer } from '../data/tables.ts';

/**
 * The customer named on the command line (tenant id or initial domain), or CSP_CUSTOMER_NOT_FOUND.
 * (The customers commands bring `requireCustomer` with the same code; the two fold into one.)
 */
export async function customerOrThrow(db: Db, ref: string): Promise<CspCustomer> {
  const customer = await findCustomerByRef(db, ref);
  if (!customer) throw new LanyardError('CSP_CUSTOMER_NOT_FOUND', `no CSP customer "${ref}" (name it by tenant id or *.onmicrosoft.com domain); see \`lanyard csp customer list\``);
  return customer;
}
