import { sql } from 'kysely';
import type { Db } from '../../core/db/database.ts';
import { listDomains } from '../../core/db/domains.ts';
import type { AuditEvent, Organization } from '../../core/db/schema.ts';
import { LanyardError } from '../../core/errors.ts';

export interface AuditFilter {
  /** Part of the actor ('user:alice@', 'cli', 'api:'). */
  readonly actor?: string | undefined;
  /** Part of the action ('user.', 'signin.totp'). */
  readonly action?: string | undefined;
  /** One account's events: as the actor (its sign-ins) or as the target (changes to it). */
  readonly user?: string | undefined;
  /** ISO times, inclusive from, exclusive to. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** Paging: events older than this one (its occurredAt and id). */
  readonly before?: string | undefined;
}

/** Whose events: every event (operator), or those about one organization's domains and accounts. */
export type AuditScope = { readonly kind: 'installation' } | { readonly kind: 'organization'; readonly organization: Organization };

export const auditPageSize = 50;
export const auditExportLimit = 10_000;

/**
 * Audit events newest first. An organization's events are those whose actor or target is one of its
 * domains or accounts on them (audit rows name people by UPN), or the organization itself.
 */
export async function queryAudit(db: Db, scope: AuditScope, filter: AuditFilter, limit = auditPageSize): Promise<{ events: AuditEvent[]; next: string | null }> {
  let query = db.selectFrom('auditEvents').selectAll().orderBy('occurredAt', 'desc').orderBy('id', 'desc').limit(limit + 1);
  if (scope.kind === 'organization') {
    const names = (await listDomains(db, scope.organization.id)).map((domain) => domain.name);
    const slug = scope.organization.slug;
    query = query.where((eb) =>
      eb.or([
        eb('target', '=', slug),
        ...names.flatMap((name) => [eb('target', '=', name), likeSuffix(eb.ref('target'), `@${name}`), likeSuffix(eb.ref('actor'), `@${name}`)]),
      ]),
    );
  }
  if (filter.actor?.trim()) query = query.where((eb) => likeContains(eb.ref('actor'), filter.actor!.trim().toLowerCase()));
  if (filter.action?.trim()) query = query.where((eb) => likeContains(eb.ref('action'), filter.action!.trim().toLowerCase()));
  if (filter.user?.trim()) {
    const upn = filter.user.trim().toLowerCase();
    query = query.where((eb) => eb.or([eb('target', '=', upn), eb('actor', '=', `user:${upn}`)]));
  }
  if (filter.from) query = query.where('occurredAt', '>=', isoTime(filter.from, 'from'));
  if (filter.to) query = query.where('occurredAt', '<', isoTime(filter.to, 'to'));
  if (filter.before) {
    const [at, id] = filter.before.split('~');
    if (!at || !id) throw new LanyardError('API_REQUEST_INVALID', 'before is not a page cursor');
    query = query.where((eb) => eb.or([eb('occurredAt', '<', at), eb.and([eb('occurredAt', '=', at), eb('id', '<', id)])]));
  }
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  return { events: page, next: rows.length > limit ? `${page.at(-1)!.occurredAt}~${page.at(-1)!.id}` : null };
}

/** CSV of events (RFC 4180), with a cell that a spreadsheet would run as a formula made inert. */
export function auditCsv(events: readonly AuditEvent[]): string {
  const header = ['occurred_at', 'actor', 'action', 'target', 'outcome', 'reason', 'client_address', 'details'];
  const lines = events.map((event) => [event.occurredAt, event.actor, event.action, event.target, event.outcome, event.reason, event.clientAddress, event.details].map(csvCell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}

function csvCell(value: string | null): string {
  let text = value ?? '';
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Accepts an ISO time or a `datetime-local` value (taken as UTC). */
function isoTime(value: string, name: string): string {
  const parsed = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(parsed.getTime())) throw new LanyardError('API_REQUEST_INVALID', `${name} is not a time (use 2026-03-01T10:00)`);
  return parsed.toISOString();
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
function likeContains(column: unknown, text: string) {
  return sql<boolean>`lower(${column}) like ${`%${escapeLike(text)}%`} escape '\\'`;
}
function likeSuffix(column: unknown, suffix: string) {
  return sql<boolean>`${column} like ${`%${escapeLike(suffix)}`} escape '\\'`;
}
