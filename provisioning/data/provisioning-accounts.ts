import type { Db } from '../../core/db/database.ts';
import type { User } from '../../core/db/schema.ts';

/**
 * The organization's Lanyard accounts as provisioning runs read and touch them: pages in UPN order
 * (optionally only a run's scope of accounts), counts for a run's total and its deletion guard, and
 * the Microsoft object ids recorded as bookkeeping.
 *
 * @example
 *   const page = await listAccountsPage(db, organization.id, { after: '', limit: 500, scope: run.scopeUserIds });
 */

/** A run's scope: some accounts by id, or all (undefined). An empty scope matches nothing. */
export type AccountScope = readonly string[] | undefined;

const scopeIds = (scope: readonly string[]) => (scope.length > 0 ? [...scope] : ['']);

/** One page of the organization's accounts after `after` in UPN order, within the scope. */
export async function listAccountsPage(db: Db, organizationId: string, page: { after: string; limit: number; scope: AccountScope }): Promise<User[]> {
  let query = db.selectFrom('users').selectAll().where('organizationId', '=', organizationId).where('upn', '>', page.after).orderBy('upn').limit(page.limit);
  if (page.scope) query = query.where('id', 'in', scopeIds(page.scope));
  return query.execute();
}

/** How many of the organization's accounts the scope holds (an export's total). */
export async function countAccounts(db: Db, organizationId: string, scope: AccountScope): Promise<number> {
  let query = db.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('count')).where('organizationId', '=', organizationId);
  if (scope) query = query.where('id', 'in', scopeIds(scope));
  return Number((await query.executeTakeFirstOrThrow()).count);
}

/** Disabled accounts whose tenant user in the run's snapshot is still enabled: what an export would turn off. */
export async function countPlannedDisables(db: Db, organizationId: string, runId: string, scope: AccountScope): Promise<number> {
  let query = db
    .selectFrom('users')
    .innerJoin('provisioningTenantUsers', (join) => join.on('provisioningTenantUsers.runId', '=', runId).onRef('provisioningTenantUsers.immutableId', '=', 'users.immutableId'))
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('users.organizationId', '=', organizationId)
    .where('users.status', '=', 'disabled')
    .where('provisioningTenantUsers.accountEnabled', '=', 1);
  if (scope) query = query.where('users.id', 'in', scopeIds(scope));
  return Number((await query.executeTakeFirstOrThrow()).count);
}

/** One page, in UPN order after `after`, of the organization's imported accounts that are not disabled. */
export async function listEnabledImportedAccountsPage(db: Db, organizationId: string, page: { after: string; limit: number }): Promise<User[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('organizationId', '=', organizationId)
    .where('source', '=', 'imported')
    .where('status', '!=', 'disabled')
    .where('upn', '>', page.after)
    .orderBy('upn')
    .limit(page.limit)
    .execute();
}

/** Accounts (not pending) changed after the watermark, oldest change first: what auto-provisioning exports next. */
export async function listAccountsChangedSince(db: Db, organizationId: string, watermark: string, limit: number): Promise<Array<Pick<User, 'id' | 'updatedAt'>>> {
  return db
    .selectFrom('users')
    .select(['id', 'updatedAt'])
    .where('organizationId', '=', organizationId)
    .where('updatedAt', '>', watermark)
    .where('status', '!=', 'pending')
    .orderBy('updatedAt')
    .limit(limit)
    .execute();
}

/**
 * Records the tenant user each account was found or created as. Bookkeeping only: `updatedAt`
 * stays, so auto-provisioning does not see the account as changed.
 */
export async function setMicrosoftObjectIds(db: Db, accounts: ReadonlyArray<{ id: string; microsoftObjectId: string }>): Promise<void> {
  for (const account of accounts) await db.updateTable('users').set({ microsoftObjectId: account.microsoftObjectId }).where('id', '=', account.id).execute();
}
