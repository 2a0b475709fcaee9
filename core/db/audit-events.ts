import { randomUUID } from 'node:crypto';
import type { Db } from './database.ts';
import { preparedQuery, type QueryParameter } from './prepared-query.ts';
import type { AuditEvent } from './schema.ts';

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string | null;
  outcome: 'success' | 'failure';
  reason?: string | null;
  clientAddress?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Appends one audit event (sign-ins, admin changes). Never pass secrets in `details`.
 *
 * @example
 *   await recordAuditEvent(db, { actor: 'cli', action: 'user.create', target: upn, outcome: 'success' });
 */
export async function recordAuditEvent(db: Db, record: AuditRecord, now: Date = new Date()): Promise<void> {
  await insertAuditEvent(db, {
    id: randomUUID(),
    occurredAt: now.toISOString(),
    actor: record.actor,
    action: record.action,
    target: record.target ?? null,
    outcome: record.outcome,
    reason: record.reason ?? null,
    clientAddress: record.clientAddress ?? null,
    details: record.details ? JSON.stringify(record.details) : null,
  });
}

// Every sign-in step writes one event.
const insertAuditEvent = preparedQuery((db, param: QueryParameter<AuditEvent>) =>
  db.insertInto('auditEvents').values({
    id: param('id'),
    occurredAt: param('occurredAt'),
    actor: param('actor'),
    action: param('action'),
    target: param('target'),
    outcome: param('outcome'),
    reason: param('reason'),
    clientAddress: param('clientAddress'),
    details: param('details'),
  }));

/** Newest events first, optionally only one action prefix (e.g. 'signin.'). */
export async function listAuditEvents(db: Db, options: { actionPrefix?: string; limit?: number } = {}): Promise<AuditEvent[]> {
  let query = db.selectFrom('auditEvents').selectAll().orderBy('occurredAt', 'desc').orderBy('id').limit(options.limit ?? 100);
  if (options.actionPrefix) query = query.where('action', 'like', `${options.actionPrefix}%`);
  return query.execute();
}
