import type { Db } from '../../core/db/database.ts';
import type { TenantConnection } from './tables.ts';

/**
 * The Microsoft 365 tenant connection of an organization: one app registration per organization.
 * The client secret arrives here already sealed (see provisioning/tenant/tenant-connection.ts).
 *
 * @example
 *   await saveTenantConnection(db, { organizationId, tenantId, clientId, clientSecretEncrypted });
 *   const connection = await findTenantConnection(db, organizationId);
 */
export async function saveTenantConnection(
  db: Db,
  values: Pick<TenantConnection, 'organizationId' | 'tenantId' | 'clientId' | 'clientSecretEncrypted'>,
  now: Date = new Date(),
): Promise<TenantConnection> {
  const at = now.toISOString();
  await db
    .insertInto('tenantConnections')
    .values({ ...values, connectedAt: at, updatedAt: at })
    .onConflict((conflict) =>
      conflict.column('organizationId').doUpdateSet({
        tenantId: values.tenantId,
        clientId: values.clientId,
        clientSecretEncrypted: values.clientSecretEncrypted,
        updatedAt: at,
      }),
    )
    .execute();
  const saved = await findTenantConnection(db, values.organizationId);
  if (!saved) throw new Error('tenant connection vanished after save');
  return saved;
}

export async function findTenantConnection(db: Db, organizationId: string): Promise<TenantConnection | undefined> {
  return db.selectFrom('tenantConnections').selectAll().where('organizationId', '=', organizationId).executeTakeFirst();
}

