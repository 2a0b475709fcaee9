import type { Db } from '../../../core/db/database.ts';
import type { DirectoryAgent } from './tables.ts';

/**
 * Registered on-premises directory agents. Keys are stored as SHA-256 hashes only.
 *
 * @example
 *   await insertAgent(db, { id, organizationId, name: 'dc1', keyHash, createdAt: nowIso(), ... });
 */
export async function insertAgent(db: Db, agent: DirectoryAgent): Promise<void> {
  await db.insertInto('directoryAgents').values(agent).execute();
}

export async function findAgentById(db: Db, id: string): Promise<DirectoryAgent | undefined> {
  return db.selectFrom('directoryAgents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAgentsOfOrganization(db: Db, organizationId: string): Promise<DirectoryAgent[]> {
  return db.selectFrom('directoryAgents').selectAll().where('organizationId', '=', organizationId).orderBy('createdAt').orderBy('id').execute();
}

/** Marks an agent revoked; its key stops working on the next request. True when it was active. */
export async function markAgentRevoked(db: Db, id: string, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('directoryAgents')
    .set({ revokedAt: now.toISOString(), connectedUntil: null })
    .where('id', '=', id)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records that the agent called in (and, for a long-poll, until when it is listening). */
export async function touchAgent(
  db: Db,
  id: string,
  values: { connectedUntil?: string | null; version?: string | null },
  now: Date = new Date(),
): Promise<void> {
  await db.updateTable('directoryAgents').set({ lastSeenAt: now.toISOString(), ...values }).where('id', '=', id).execute();
}

/** The agent's own last problem (LDAP unreachable, bind refused), or null to clear it. */
export async function setAgentError(db: Db, id: string, error: { code: string; message: string } | null, now: Date = new Date()): Promise<void> {
  await db
    .updateTable('directoryAgents')
    .set({ lastErrorCode: error?.code ?? null, lastErrorMessage: error?.message ?? null, lastErrorAt: error ? now.toISOString() : null })
    .where('id', '=', id)
    .execute();
}

/** Agents of the organization that are listening for pass-through requests right now. */
export async function countConnectedAgents(db: Db, organizationId: string, now: Date = new Date()): Promise<number> {
  const row = await db
    .selectFrom('directoryAgents')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('organizationId', '=', organizationId)
    .where('revokedAt', 'is', null)
    .where('connectedUntil', '>', now.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
