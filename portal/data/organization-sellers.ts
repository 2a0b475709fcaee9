import type { Db } from '../../core/db/database.ts';
import '../../csp/data/tables.ts';

/** The CSP partners (and reseller ids) that sell to an organization: the scope partner roles reach. */
export async function sellersOfOrganization(db: Db, organizationId: string): Promise<Array<{ partnerId: string; resellerId: string | null }>> {
  return db.selectFrom('cspCustomers').select(['partnerId', 'resellerId']).where('organizationId', '=', organizationId).execute();
}

/** Organizations linked to the customers of a partner (optionally only those sold through one reseller). */
export async function organizationIdsSoldBy(db: Db, partnerId: string, resellerId: string | null): Promise<string[]> {
  let query = db.selectFrom('cspCustomers').select('organizationId').where('partnerId', '=', partnerId).where('organizationId', 'is not', null);
  if (resellerId !== null) query = query.where('resellerId', '=', resellerId);
  const rows = await query.execute();
  return rows.flatMap((row) => (row.organizationId ? [row.organizationId] : []));
}
