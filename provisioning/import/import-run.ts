import { randomUUID } from 'node:crypto';
import type { Db } from '../../core/db/database.ts';
import { listDomains } from '../../core/db/domains.ts';
import { findRecordedSubjects } from '../data/provisioning-results.ts';
import { endUserSessions } from '../../core/db/sso-sessions.ts';
import { findUsersByImmutableIds, findUsersByUpns, insertUsers, updateUser } from '../../core/db/users.ts';
import { listEnabledImportedAccountsPage, setMicrosoftObjectIds } from '../data/provisioning-accounts.ts';
import { usageLocationOrNull } from '../../core/usage-location.ts';
import { countTenantUsers, findTenantUsersByImmutableId, findTenantUsersByUpn, listTenantUsers } from '../data/provisioning-tenant-users.ts';
import type { User } from '../../core/db/schema.ts';
import type { ProvisioningResult, TenantUserRow } from '../data/tables.ts';
import { answerError, sendBatched } from '../graph/batch.ts';
import type { RunContext } from '../runs/run-context.ts';
import { readTenantDomains } from '../runs/tenant-snapshot.ts';
import { decideImport, type ImportDecision, type ImportLookups } from './import-plan.ts';

const pageSize = 500;

/**
 * Import: every tenant user of the organization's domains becomes (or is matched to) a Lanyard
 * account. New accounts are pending until the person activates them. Imported accounts whose tenant
 * user is gone are disabled, behind the deletion guard. Page by page, each page's results recorded
 * with its account changes, so an interrupted run continues after the last recorded page.
 */
export async function importAccounts(context: RunContext): Promise<void> {
  const { db, run } = context;
  const organizationDomains = (await listDomains(db, context.organization.id)).map((domain) => domain.name);
  const tenantDomains = await readTenantDomains(context.graph.client, context.stats);
  const vanished = await countVanishedAccounts(context);
  await context.setTotal((await countTenantUsers(db, run.id)) + vanished);
  context.guardDisables(vanished);

  for (let page = await listTenantUsers(db, run.id, { limit: pageSize }); page.length > 0; page = await listTenantUsers(db, run.id, { after: page.at(-1)!.upn, limit: pageSize })) {
    await context.assertLease();
    const recorded = await findRecordedSubjects(db, run.id, page.map((tenantUser) => tenantUser.upn));
    const todo = page.filter((tenantUser) => !recorded.has(tenantUser.upn));
    if (todo.length === 0) continue;
    const lookups = await lookupAccounts(db, context.organization.id, organizationDomains, tenantDomains, todo);
    const decisions = todo.map((tenantUser) => ({ tenantUser, decision: decideImport(tenantUser, lookups) }));
    const refused = context.dryRun ? new Map<string, { code: string; message: string }>() : await writeImmutableIds(context, decisions);
    await recordPage(context, decisions, refused);
  }
  await disableVanishedAccounts(context);
}

async function lookupAccounts(
  db: Db,
  organizationId: string,
  organizationDomains: readonly string[],
  tenantDomains: ImportLookups['tenantDomains'],
  page: readonly TenantUserRow[],
): Promise<ImportLookups> {
  const immutableIds = page.flatMap((tenantUser) => (tenantUser.immutableId ? [tenantUser.immutableId] : []));
  const byImmutableId = await findUsersByImmutableIds(db, immutableIds);
  const byUpn = await findUsersByUpns(db, page.map((tenantUser) => tenantUser.upn));
  return {
    organizationId,
    organizationDomains,
    tenantDomains,
    byImmutableId: new Map(byImmutableId.map((user) => [user.immutableId, user])),
    byUpn: new Map(byUpn.map((user) => [user.upn, user])),
  };
}

/** PATCHes onPremisesImmutableId where Lanyard supplies it; returns Graph's refusals by UPN. */
async function writeImmutableIds(
  context: RunContext,
  decisions: readonly { tenantUser: TenantUserRow; decision: ImportDecision }[],
): Promise<Map<string, { code: string; message: string }>> {
  const requests = decisions.flatMap(({ tenantUser, decision }) =>
    (decision.kind === 'create' || decision.kind === 'match') && decision.writeBack
      ? [{ key: tenantUser.upn, method: 'PATCH' as const, url: `/users/${tenantUser.objectId}`, body: { onPremisesImmutableId: decision.writeBack } }]
      : [],
  );
  const answers = await sendBatched(context.graph.client, requests, { stats: context.stats, policy: context.deps.retryPolicy, concurrency: context.deps.batchConcurrency });
  return new Map(answers.filter((answer) => answer.status >= 300).map((answer) => [answer.key, answerError(answer)]));
}

async function recordPage(
  context: RunContext,
  decisions: readonly { tenantUser: TenantUserRow; decision: ImportDecision }[],
  refused: ReadonlyMap<string, { code: string; message: string }>,
): Promise<void> {
  const now = new Date().toISOString();
  const newAccounts: User[] = [];
  const matched: { id: string; microsoftObjectId: string }[] = [];
  const renamed: { id: string; upn: string; mail: string | null }[] = [];
  const results: ProvisioningResult[] = decisions.map(({ tenantUser, decision }) => {
    const subject = tenantUser.upn;
    const microsoftObjectId = tenantUser.objectId;
    const refusal = refused.get(subject);
    if (refusal) {
      return context.result(subject, 'failed', { microsoftObjectId, reasonCode: 'IMMUTABLE_ID_REFUSED', message: `Graph refused the immutable ID: ${refusal.code}: ${refusal.message}` });
    }
    switch (decision.kind) {
      case 'skip':
        return context.result(subject, 'skipped', { microsoftObjectId, reasonCode: decision.code, message: decision.message });
      case 'fail':
        return context.result(subject, 'failed', { microsoftObjectId, reasonCode: decision.code, message: decision.message, ...(decision.details ? { details: decision.details } : {}) });
      case 'match':
        if (decision.user.microsoftObjectId !== microsoftObjectId) matched.push({ id: decision.user.id, microsoftObjectId });
        if (decision.renameTo) {
          // The mail address follows the name only where it was the old name.
          renamed.push({ id: decision.user.id, upn: decision.renameTo, mail: decision.user.mail === decision.user.upn ? decision.renameTo : decision.user.mail });
          return context.result(subject, 'updated', {
            userId: decision.user.id,
            microsoftObjectId,
            message: `renamed from ${decision.user.upn}, as in the tenant`,
            details: { immutableId: decision.user.immutableId, previousUpn: decision.user.upn },
          });
        }
        return context.result(subject, 'matched', {
          userId: decision.user.id,
          microsoftObjectId,
          ...(decision.upnDiffers ? { message: `Lanyard's account is ${decision.user.upn} (${decision.user.source}) and keeps that name; the tenant calls it ${decision.upnDiffers}` } : {}),
          details: { immutableId: decision.user.immutableId, ...(decision.writeBack ? { immutableIdWritten: true } : {}), ...(decision.upnDiffers ? { lanyardUpn: decision.user.upn } : {}) },
        });
      case 'create': {
        const user: User = {
          id: randomUUID(),
          organizationId: context.organization.id,
          upn: subject,
          immutableId: decision.immutableId,
          displayName: tenantUser.displayName,
          givenName: tenantUser.givenName,
          surname: tenantUser.surname,
          mail: subject,
          source: 'imported',
          externalId: null,
          status: 'pending',
          passwordHash: null,
          microsoftObjectId,
          usageLocation: usageLocationOrNull(tenantUser.usageLocation),
          createdAt: now,
          updatedAt: now,
        };
        newAccounts.push(user);
        return context.result(subject, 'created', { userId: user.id, microsoftObjectId, details: { immutableId: user.immutableId, ...(decision.writeBack ? { immutableIdWritten: true } : {}) } });
      }
    }
  });
  await context.record(results, context.dryRun ? undefined : async (trx) => {
    await insertUsers(trx, newAccounts);
    await setMicrosoftObjectIds(trx, matched);
    for (const account of renamed) await updateUser(trx, account.id, { upn: account.upn, mail: account.mail }, new Date(now));
  });
}

/** Imported accounts of the organization, not disabled, that no tenant user matches any more. */
async function* vanishedAccounts(context: RunContext): AsyncGenerator<User[]> {
  const { db, run } = context;
  let after = '';
  for (;;) {
    const page = await listEnabledImportedAccountsPage(db, context.organization.id, { after, limit: pageSize });
    if (page.length === 0) return;
    after = page.at(-1)!.upn;
    const byImmutableId = new Set((await findTenantUsersByImmutableId(db, run.id, page.map((user) => user.immutableId))).map((row) => row.immutableId));
    const byUpn = new Set((await findTenantUsersByUpn(db, run.id, page.map((user) => user.upn))).map((row) => row.upn));
    yield page.filter((user) => !byImmutableId.has(user.immutableId) && !byUpn.has(user.upn));
  }
}

async function countVanishedAccounts(context: RunContext): Promise<number> {
  let count = 0;
  for await (const page of vanishedAccounts(context)) count += page.length;
  return count;
}

async function disableVanishedAccounts(context: RunContext): Promise<void> {
  for await (const page of vanishedAccounts(context)) {
    const recorded = await findRecordedSubjects(context.db, context.run.id, page.map((user) => user.upn));
    const todo = page.filter((user) => !recorded.has(user.upn));
    const results = todo.map((user) =>
      context.result(user.upn, 'disabled', { userId: user.id, microsoftObjectId: user.microsoftObjectId, reasonCode: 'TENANT_USER_GONE', message: 'no tenant user has this account\'s immutable ID or UPN any more' }),
    );
    await context.record(results, context.dryRun ? undefined : async (trx) => {
      for (const user of todo) {
        await updateUser(trx, user.id, { status: 'disabled' });
        await endUserSessions(trx, user.id);
      }
    });
  }
}
