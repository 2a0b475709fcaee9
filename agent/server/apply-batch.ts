import { randomUUID } from 'node:crypto';
import { isLanyardError } from '../../core/errors.ts';
import { normalizeUpn, type NormalUpn } from '../../core/upn.ts';
import type { Db } from '../../core/db/database.ts';
import { listDomains } from '../../core/db/domains.ts';
import type { User } from '../../core/db/schema.ts';
import type { DirectoryAgent } from './data/tables.ts';
import { immutableIdFromAnchor } from '../anchor.ts';
import type { BatchResult, DirectoryEntry, EntryFailure, RejectedEntry } from '../protocol.ts';
import { recordBatchResult, requireRun } from './sync-service.ts';

/**
 * Applies one pushed batch in one transaction: all its accepted entries and the run's counts are
 * written together, or (on any database error) none of them.
 *
 * An entry the directory marks disabled is stored disabled (its sessions stop at once: a session
 * is only honoured for an active account).
 *
 * Matching is by source anchor only (users.external_id within the organization), never by name,
 * so renames and moves keep the account. UPNs are stored in their normal form (common/upn.ts). An
 * entry is refused, with a per-entry error, and the rest of the batch applied, when:
 * - its UPN is not valid (UPN_INVALID, with the reason),
 * - its UPN's domain is not one of the organization's domains (SYNC_UPN_DOMAIN),
 * - its UPN belongs to another account, local or directory (SYNC_UPN_CONFLICT): a local account
 *   is never taken over silently, because its owner may not be the directory's person; an admin
 *   removes or renames it first,
 * - its immutable ID is already used by another account (SYNC_IMMUTABLE_ID_CONFLICT), e.g. an
 *   imported account: adopting it would hand that person's Microsoft 365 identity to this entry.
 * A refusal names nothing of the account in the way when that account is another organization's.
 *
 * @example
 *   const result = await applyBatch(db, agent, runId, entries, rejected);
 */
export async function applyBatch(
  db: Db,
  agent: DirectoryAgent,
  runId: string,
  entries: readonly DirectoryEntry[],
  rejected: readonly RejectedEntry[],
  now: Date = new Date(),
): Promise<BatchResult> {
  await requireRun(db, agent, runId, now);
  const domains = new Set((await listDomains(db, agent.organizationId)).map((domain) => domain.name));
  return db.transaction().execute(async (trx) => {
    const state = await requireRunState(trx, agent, runId);
    const failed: EntryFailure[] = rejected.map((entry) => ({ anchor: null, dn: entry.dn, code: entry.code, message: entry.message }));
    const result = { created: 0, updated: 0, unchanged: 0 };
    const normalized = entries.map(withNormalUpn);
    const existing = await loadExisting(trx, agent.organizationId, normalized.flatMap((item) => ('upn' in item ? [item] : [])));
    const nowText = now.toISOString();

    for (const item of normalized) {
      const { entry } = item;
      const fail = (code: string, message: string) => failed.push({ anchor: entry.anchor, dn: entry.dn, code, message });
      if ('invalid' in item) {
        fail(item.invalid.code, item.invalid.message);
        continue;
      }
      const { upn, domain } = item.upn;
      if (!domains.has(domain)) {
        fail('SYNC_UPN_DOMAIN', `UPN ${upn} is outside the organization's domains (${[...domains].join(', ') || 'none'})`);
        continue;
      }
      const immutableId = immutableIdFromAnchor(entry.anchor);
      const current = existing.byAnchor.get(entry.anchor);
      const upnOwner = existing.byUpn.get(upn);
      if (upnOwner && upnOwner.id !== current?.id) {
        fail('SYNC_UPN_CONFLICT', upnOwner.organizationId === agent.organizationId
          ? `UPN ${upn} already belongs to a ${upnOwner.source} account that this directory entry does not own`
          : `UPN ${upn} is taken`);
        continue;
      }
      const immutableOwner = existing.byImmutableId.get(immutableId);
      if (immutableOwner && immutableOwner.id !== current?.id) {
        fail('SYNC_IMMUTABLE_ID_CONFLICT', immutableOwner.organizationId === agent.organizationId
          ? `immutable ID ${immutableId} already belongs to ${immutableOwner.upn}`
          : `immutable ID ${immutableId} is taken`);
        continue;
      }
      const values = {
        upn,
        displayName: entry.displayName,
        givenName: entry.givenName,
        surname: entry.surname,
        mail: entry.mail,
        status: entry.enabled ? ('active' as const) : ('disabled' as const),
        // An agent older than the field sends none: the account keeps what it has.
        ...(entry.usageLocation !== undefined && { usageLocation: entry.usageLocation }),
      };
      if (!current) {
        const user: User = {
          id: randomUUID(), organizationId: agent.organizationId, immutableId, source: 'directory', externalId: entry.anchor,
          passwordHash: null, microsoftObjectId: null, usageLocation: null, createdAt: nowText, updatedAt: nowText, ...values,
        };
        await trx.insertInto('users').values(user).execute();
        remember(existing, user);
        result.created += 1;
        continue;
      }
      const changed = (Object.keys(values) as (keyof typeof values)[]).some((key) => current[key] !== values[key]);
      if (!changed) {
        result.unchanged += 1;
        continue;
      }
      await trx.updateTable('users').set({ ...values, updatedAt: nowText }).where('id', '=', current.id).execute();
      existing.byUpn.delete(current.upn);
      remember(existing, { ...current, ...values });
      result.updated += 1;
    }
    await recordBatchResult(trx, state, runId, { ...result, failed });
    return { ...result, failed };
  });
}

async function requireRunState(db: Db, agent: DirectoryAgent, runId: string) {
  // Re-read inside the transaction so the counts update builds on the latest committed batch.
  return db.selectFrom('directorySyncStates').selectAll().where('organizationId', '=', agent.organizationId).where('leaseRunId', '=', runId).executeTakeFirstOrThrow();
}

interface Existing {
  byAnchor: Map<string, User>;
  byUpn: Map<string, User>;
  byImmutableId: Map<string, User>;
}

function remember(existing: Existing, user: User): void {
  if (user.externalId && user.source === 'directory') existing.byAnchor.set(user.externalId, user);
  existing.byUpn.set(user.upn, user);
  existing.byImmutableId.set(user.immutableId, user);
}

type NormalizedEntry = { entry: DirectoryEntry; upn: NormalUpn } | { entry: DirectoryEntry; invalid: { code: string; message: string } };

function withNormalUpn(entry: DirectoryEntry): NormalizedEntry {
  try {
    return { entry, upn: normalizeUpn(entry.upn) };
  } catch (error) {
    if (!isLanyardError(error)) throw error;
    return { entry, invalid: { code: error.code, message: error.message } };
  }
}

/** Everyone the batch could touch or collide with, in three queries instead of three per entry. */
async function loadExisting(db: Db, organizationId: string, entries: readonly { entry: DirectoryEntry; upn: NormalUpn }[]): Promise<Existing> {
  const existing: Existing = { byAnchor: new Map(), byUpn: new Map(), byImmutableId: new Map() };
  if (entries.length === 0) return existing;
  const anchors = entries.map(({ entry }) => entry.anchor);
  const upns = entries.map(({ upn }) => upn.upn);
  const immutableIds = anchors.map(immutableIdFromAnchor);
  const [byAnchor, byUpn, byImmutableId] = await Promise.all([
    db.selectFrom('users').selectAll().where('organizationId', '=', organizationId).where('source', '=', 'directory').where('externalId', 'in', anchors).execute(),
    db.selectFrom('users').selectAll().where('upn', 'in', upns).execute(),
    db.selectFrom('users').selectAll().where('immutableId', 'in', immutableIds).execute(),
  ]);
  for (const user of [...byUpn, ...byImmutableId]) {
    existing.byUpn.set(user.upn, user);
    existing.byImmutableId.set(user.immutableId, user);
  }
  for (const user of byAnchor) remember(existing, user);
  return existing;
}
