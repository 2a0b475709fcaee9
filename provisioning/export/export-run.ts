import { randomBytes, randomInt } from 'node:crypto';
import { listDomains } from '../../core/db/domains.ts';
import { countAccounts, countPlannedDisables, listAccountsPage, setMicrosoftObjectIds } from '../data/provisioning-accounts.ts';
import { findRecordedSubjects } from '../data/provisioning-results.ts';
import { findTenantUsersByImmutableId, findTenantUsersByUpn } from '../data/provisioning-tenant-users.ts';
import type { User } from '../../core/db/schema.ts';
import type { ProvisioningOutcome, TenantUserRow } from '../data/tables.ts';
import { answerError, isObjectConflict, sendBatched, type BatchRequest } from '../graph/batch.ts';
import { parseDefaultLicences, readSubscribedSkus, SeatLedger } from '../licences/licences.ts';
import type { RunContext } from '../runs/run-context.ts';
import { readTenantDomains } from '../runs/tenant-snapshot.ts';
import { decideExport, type ExportDecision, type ExportInputs } from './export-plan.ts';

const pageSize = 500;

/** One account's way through a page: decision, then what Graph answered. */
interface AccountWork {
  readonly user: User;
  readonly decision: ExportDecision;
  objectId: string | undefined;
  created: boolean;
  licencesAdded: string[];
  failure: { code: string; message: string } | undefined;
}

/**
 * Export: every account of the organization's domains is created in the tenant when missing
 * (with a random password that is never stored), updated where it differs, given the default
 * licences, or turned off when disabled. Page by page: creates, then updates, then licences, each
 * as `$batch` calls; results are recorded per page, so an interrupted run continues after the last
 * recorded page and an account created just before a crash is recognised, not created twice.
 */
export async function exportAccounts(context: RunContext): Promise<void> {
  const { db, run, settings } = context;
  const defaults = parseDefaultLicences(settings);
  const inputs: ExportInputs = {
    organizationDomains: (await listDomains(db, context.organization.id)).map((domain) => domain.name),
    tenantDomains: await readTenantDomains(context.graph.client, context.stats),
    defaultLicenceSkuIds: defaults.map((licence) => licence.skuId),
    defaultUsageLocation: settings.defaultUsageLocation,
  };
  const partNumbers = new Map(defaults.map((licence) => [licence.skuId, licence.skuPartNumber]));
  const ledger = new SeatLedger(defaults.length > 0 ? await readSubscribedSkus(context.graph.client, context.stats) : []);
  const scope = run.scopeUserIds ? (JSON.parse(run.scopeUserIds) as string[]) : undefined;
  await context.setTotal(await countAccounts(db, context.organization.id, scope));
  context.guardDisables(await countPlannedDisables(db, context.organization.id, run.id, scope));

  let after = '';
  for (;;) {
    await context.assertLease();
    const page = await listAccountsPage(db, context.organization.id, { after, limit: pageSize, scope });
    if (page.length === 0) return;
    after = page.at(-1)!.upn;
    const recorded = await findRecordedSubjects(db, run.id, page.map((user) => user.upn));
    const todo = page.filter((user) => !recorded.has(user.upn));
    const tenantUsers = await findTenantUsers(context, todo);
    const work: AccountWork[] = todo.map((user) => ({
      user,
      decision: decideExport(user, tenantUsers(user), inputs),
      objectId: undefined,
      created: false,
      licencesAdded: [],
      failure: undefined,
    }));
    for (const item of work) if (item.decision.kind === 'update' || item.decision.kind === 'fail') item.objectId = item.decision.objectId;
    if (!context.dryRun) {
      await createUsers(context, work);
      await updateUsers(context, work);
    }
    await assignLicences(context, work, ledger);
    await recordPage(context, work, partNumbers);
  }
}

/** The tenant user of each account: by immutable ID first, else by UPN. */
async function findTenantUsers(context: RunContext, users: readonly User[]): Promise<(user: User) => TenantUserRow | undefined> {
  const byImmutableId = new Map((await findTenantUsersByImmutableId(context.db, context.run.id, users.map((user) => user.immutableId))).map((row) => [row.immutableId, row]));
  const byUpn = new Map((await findTenantUsersByUpn(context.db, context.run.id, users.map((user) => user.upn))).map((row) => [row.upn, row]));
  return (user) => byImmutableId.get(user.immutableId) ?? byUpn.get(user.upn);
}

async function createUsers(context: RunContext, work: AccountWork[]): Promise<void> {
  const creating = work.filter((item) => item.decision.kind === 'create');
  const requests: BatchRequest<AccountWork>[] = creating.map((item) => ({
    key: item,
    method: 'POST',
    url: '/users',
    body: { ...(item.decision as Extract<ExportDecision, { kind: 'create' }>).properties, passwordProfile: { password: unusablePassword(), forceChangePasswordNextSignIn: false } },
  }));
  const conflicts: AccountWork[] = [];
  for (const answer of await send(context, requests)) {
    if (answer.status === 201) {
      answer.key.objectId = (answer.body as { id: string }).id;
      answer.key.created = true;
    } else if (isObjectConflict(answer, ['userPrincipalName', 'onPremisesImmutableId'])) {
      conflicts.push(answer.key);
    } else {
      answer.key.failure = graphRefusal(answer);
    }
  }
  await recoverEarlierCreates(context, conflicts);
}

/**
 * A create refused because the UPN exists: a run interrupted after Graph created the user but
 * before the result was recorded. The user is ours when it carries the account's immutable ID.
 */
async function recoverEarlierCreates(context: RunContext, conflicts: AccountWork[]): Promise<void> {
  const requests: BatchRequest<AccountWork>[] = conflicts.map((item) => ({
    key: item,
    method: 'GET',
    url: `/users/${encodeURIComponent(item.user.upn)}?$select=id,onPremisesImmutableId`,
  }));
  for (const answer of await send(context, requests)) {
    const found = answer.body as { id?: string; onPremisesImmutableId?: string | null } | undefined;
    if (answer.status === 200 && found?.id && found.onPremisesImmutableId === answer.key.user.immutableId) {
      answer.key.objectId = found.id;
      answer.key.created = true;
    } else {
      answer.key.failure = { code: 'UPN_TAKEN', message: 'another tenant user, with a different immutable ID, already has this UPN' };
    }
  }
}

async function updateUsers(context: RunContext, work: AccountWork[]): Promise<void> {
  const requests: BatchRequest<AccountWork>[] = work.flatMap((item) =>
    item.decision.kind === 'update' && Object.keys(item.decision.changes).length > 0
      ? [{ key: item, method: 'PATCH' as const, url: `/users/${item.decision.objectId}`, body: item.decision.changes }]
      : [],
  );
  for (const answer of await send(context, requests)) {
    if (answer.status >= 300) answer.key.failure = graphRefusal(answer);
  }
}

/** Adds the licences each account lacks, where it has a usage location and a seat is free. */
async function assignLicences(context: RunContext, work: AccountWork[], ledger: SeatLedger): Promise<void> {
  const requests: BatchRequest<AccountWork>[] = [];
  const taken = new Map<AccountWork, string[]>();
  for (const item of work) {
    const { decision } = item;
    if (item.failure || (decision.kind !== 'create' && decision.kind !== 'update') || decision.licences.length === 0) continue;
    if (!decision.usageLocation) {
      item.failure = { code: 'USAGE_LOCATION_MISSING', message: 'licences need a usage location: set one with `lanyard org set-usage-location`' };
      continue;
    }
    const seats = decision.licences.filter((skuId) => ledger.take(skuId));
    const missing = decision.licences.filter((skuId) => !seats.includes(skuId));
    if (missing.length > 0) item.failure = { code: 'LICENCE_NO_FREE_SEATS', message: `no free seat left for ${missing.join(', ')}` };
    if (seats.length === 0) continue;
    taken.set(item, seats);
    if (context.dryRun) {
      item.licencesAdded = seats;
      continue;
    }
    requests.push({
      key: item,
      method: 'POST',
      url: `/users/${item.objectId ?? ''}/assignLicense`,
      body: { addLicenses: seats.map((skuId) => ({ skuId, disabledPlans: [] })), removeLicenses: [] },
    });
  }
  for (const answer of await send(context, requests)) {
    const seats = taken.get(answer.key) ?? [];
    if (answer.status === 200) {
      answer.key.licencesAdded = seats;
    } else {
      for (const skuId of seats) ledger.release(skuId);
      answer.key.failure = graphRefusal(answer);
    }
  }
}

async function recordPage(context: RunContext, work: readonly AccountWork[], partNumbers: ReadonlyMap<string, string>): Promise<void> {
  const objectIds: { id: string; microsoftObjectId: string }[] = [];
  const results = work.map((item) => {
    const { decision, user } = item;
    const licences = item.licencesAdded.map((skuId) => partNumbers.get(skuId) ?? skuId);
    const fields = { userId: user.id, microsoftObjectId: item.objectId ?? null };
    if (item.objectId && item.objectId !== user.microsoftObjectId && !context.dryRun) objectIds.push({ id: user.id, microsoftObjectId: item.objectId });
    if (decision.kind === 'skip') return context.result(user.upn, 'skipped', { ...fields, reasonCode: decision.code, message: decision.message });
    if (decision.kind === 'fail') return context.result(user.upn, 'failed', { ...fields, reasonCode: decision.code, message: decision.message });
    const changes = decision.kind === 'create' ? decision.properties : decision.changes;
    const details = { ...(Object.keys(changes).length > 0 ? { changes } : {}), ...(licences.length > 0 ? { licencesAdded: licences } : {}), ...(item.created ? { created: true } : {}) };
    if (item.failure) return context.result(user.upn, 'failed', { ...fields, reasonCode: item.failure.code, message: item.failure.message, details });
    return context.result(user.upn, outcomeOf(item), { ...fields, details });
  });
  await context.record(results, (trx) => setMicrosoftObjectIds(trx, objectIds));
}

function outcomeOf(item: AccountWork): ProvisioningOutcome {
  const { decision } = item;
  if (decision.kind === 'create') return 'created';
  if (decision.kind !== 'update') return 'unchanged';
  if (decision.disables) return 'disabled';
  return Object.keys(decision.changes).length > 0 || item.licencesAdded.length > 0 ? 'updated' : 'unchanged';
}

function send<K>(context: RunContext, requests: readonly BatchRequest<K>[]) {
  return sendBatched(context.graph.client, requests, { stats: context.stats, policy: context.deps.retryPolicy, concurrency: context.deps.batchConcurrency });
}

function graphRefusal(answer: { status: number; body: unknown }): { code: string; message: string } {
  const error = answerError(answer);
  return { code: `GRAPH_${error.code}`, message: `Graph answered ${answer.status}: ${error.message}` };
}

/**
 * A strong password nobody knows: the account signs in through Lanyard (federated domain) or has
 * its password reset by an admin (managed domain). Sent once to Graph, never stored or logged.
 */
function unusablePassword(): string {
  const symbols = '!#%+-=?@^~';
  return `${randomBytes(24).toString('base64url')}${symbols[randomInt(symbols.length)]}a7Q`;
}
