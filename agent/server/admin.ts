import { randomUUID } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import { findAgentById, insertAgent, listAgentsOfOrganization, markAgentRevoked } from './data/agents.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { ensureSyncState, findSyncState, setDeletionThreshold } from './data/directory-sync-states.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import type { Organization } from '../../core/db/schema.ts';
import type { DirectoryAgent } from './data/tables.ts';
import { hashAgentKey, newAgentKey } from './agent-keys.ts';

/**
 * Admin services behind `lanyard agent …`: register, list, revoke agents; read an organization's
 * sync status; confirm deletions held back by the accidental-deletion guard. Every change is
 * audited with its actor ('cli' by default; the admin portal passes its admin's).
 */

/** An agent as shown to admins: never the key hash. */
export interface AgentSummary {
  readonly id: string;
  readonly name: string;
  readonly organizationId: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastSeenAt: string | null;
  readonly connected: boolean;
  readonly version: string | null;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string | null } | null;
}

async function requireOrganization(db: Db, slug: string): Promise<Organization> {
  const organization = await findOrganizationBySlug(db, slug);
  if (!organization) throw new LanyardError('ORGANIZATION_NOT_FOUND', `no organization "${slug}"`);
  return organization;
}

function summarize(agent: DirectoryAgent, now: Date): AgentSummary {
  return {
    id: agent.id,
    name: agent.name,
    organizationId: agent.organizationId,
    createdAt: agent.createdAt,
    revokedAt: agent.revokedAt,
    lastSeenAt: agent.lastSeenAt,
    connected: agent.revokedAt === null && agent.connectedUntil !== null && agent.connectedUntil > now.toISOString(),
    version: agent.version,
    lastError: agent.lastErrorCode ? { code: agent.lastErrorCode, message: agent.lastErrorMessage ?? '', at: agent.lastErrorAt } : null,
  };
}

/**
 * Registers an agent for an organization and returns its key, which is shown once and stored
 * only as a hash.
 *
 * @example
 *   const { agent, key } = await registerAgent(db, 'contoso', 'dc1-agent');
 */
export async function registerAgent(db: Db, organizationSlug: string, name: string, now: Date = new Date(), actor = 'cli'): Promise<{ agent: AgentSummary; key: string }> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw new LanyardError('AGENT_NAME_INVALID', 'agent name must be 1 to 100 characters');
  const organization = await requireOrganization(db, organizationSlug);
  const id = randomUUID();
  const key = newAgentKey(id);
  const agent: DirectoryAgent = {
    id, organizationId: organization.id, name: trimmed, keyHash: hashAgentKey(key), createdAt: now.toISOString(), revokedAt: null,
    lastSeenAt: null, connectedUntil: null, version: null, lastErrorCode: null, lastErrorMessage: null, lastErrorAt: null,
  };
  await insertAgent(db, agent);
  await ensureSyncState(db, organization.id);
  await recordAuditEvent(db, { actor, action: 'agent.register', target: `agent:${id}`, outcome: 'success', details: { organization: organizationSlug, name: trimmed } }, now);
  return { agent: summarize(agent, now), key };
}

/**
 * The organization's agents, newest last, with connection state and last error.
 *
 * @example
 *   for (const agent of await listAgents(db, 'contoso')) console.log(agent.name, agent.connected);
 */
export async function listAgents(db: Db, organizationSlug: string, now: Date = new Date()): Promise<AgentSummary[]> {
  const organization = await requireOrganization(db, organizationSlug);
  return (await listAgentsOfOrganization(db, organization.id)).map((agent) => summarize(agent, now));
}

/**
 * Revokes an agent: its key is refused from the next request on.
 *
 * @example
 *   await revokeAgent(db, agentId);
 */
export async function revokeAgent(db: Db, agentId: string, now: Date = new Date(), actor = 'cli'): Promise<void> {
  const agent = await findAgentById(db, agentId);
  if (!agent) throw new LanyardError('AGENT_NOT_FOUND', `no agent ${agentId}`);
  if (!(await markAgentRevoked(db, agentId, now))) throw new LanyardError('AGENT_ALREADY_REVOKED', `agent ${agentId} is already revoked`);
  await recordAuditEvent(db, { actor, action: 'agent.revoke', target: `agent:${agentId}`, outcome: 'success' }, now);
}

export interface AgentStatus {
  readonly organization: string;
  readonly agents: readonly AgentSummary[];
  readonly syncing: { readonly agentId: string; readonly mode: string | null; readonly startedAt: string | null; readonly leaseExpiresAt: string } | null;
  readonly lastSync: {
    readonly agentId: string | null;
    readonly mode: string | null;
    readonly outcome: string | null;
    readonly startedAt: string | null;
    readonly finishedAt: string | null;
    readonly counts: Record<string, number>;
    readonly errors: readonly { readonly code: string; readonly message: string; readonly dn?: string; readonly anchor?: string | null }[];
  } | null;
  readonly syncCount: number;
  readonly deletionGuard: { readonly threshold: number; readonly pendingDeletions: number | null; readonly confirmedDeletions: number | null };
}

/**
 * The organization's directory sync status: agents (connected, last error), the run in progress,
 * the last finished run with counts and per-entry errors, and the deletion guard.
 *
 * @example
 *   const status = await getAgentStatus(db, 'contoso');
 *   status.lastSync?.outcome; // 'success' | 'failure' | 'guarded'
 */
export async function getAgentStatus(db: Db, organizationSlug: string, now: Date = new Date()): Promise<AgentStatus> {
  const organization = await requireOrganization(db, organizationSlug);
  const agents = await listAgents(db, organizationSlug, now);
  const state = await findSyncState(db, organization.id);
  const leaseActive = state?.leaseAgentId && state.leaseExpiresAt && state.leaseExpiresAt > now.toISOString() && state.leaseRunId;
  return {
    organization: organization.slug,
    agents,
    syncing: leaseActive ? { agentId: state.leaseAgentId!, mode: state.runMode, startedAt: state.runStartedAt, leaseExpiresAt: state.leaseExpiresAt! } : null,
    lastSync: state?.lastSyncOutcome
      ? {
          agentId: state.lastSyncAgentId,
          mode: state.lastSyncMode,
          outcome: state.lastSyncOutcome,
          startedAt: state.lastSyncStartedAt,
          finishedAt: state.lastSyncFinishedAt,
          counts: state.lastSyncCounts ? JSON.parse(state.lastSyncCounts) : {},
          errors: state.lastSyncErrors ? JSON.parse(state.lastSyncErrors) : [],
        }
      : null,
    syncCount: state?.syncCount ?? 0,
    deletionGuard: {
      threshold: state?.deletionThreshold ?? 500,
      pendingDeletions: state?.pendingDeletionCount ?? null,
      confirmedDeletions: state?.confirmedDeletionCount ?? null,
    },
  };
}

/**
 * Lets the next sync disable the accounts the deletion guard held back (up to the number that was
 * pending; if the next sync wants more, the guard stops it again).
 *
 * @example
 *   const { confirmed } = await confirmPendingDeletions(db, 'contoso'); // then the agent's next run applies them
 */
export async function confirmPendingDeletions(db: Db, organizationSlug: string, now: Date = new Date(), actor = 'cli'): Promise<{ confirmed: number }> {
  const organization = await requireOrganization(db, organizationSlug);
  const state = await findSyncState(db, organization.id);
  const pending = state?.pendingDeletionCount ?? null;
  if (pending === null) throw new LanyardError('SYNC_NO_PENDING_DELETIONS', 'no sync is waiting for deletions to be confirmed');
  await db.updateTable('directorySyncStates').set({ confirmedDeletionCount: pending }).where('organizationId', '=', organization.id).execute();
  await recordAuditEvent(db, { actor, action: 'agent.deletions.confirm', target: `organization:${organization.slug}`, outcome: 'success', details: { confirmed: pending } }, now);
  return { confirmed: pending };
}

/**
 * Changes the organization's deletion guard threshold (default 500), audited with the old and new
 * value (a higher one loosens the guard).
 *
 * @example
 *   await setDeletionGuardThreshold(db, 'contoso', 50);
 */
export async function setDeletionGuardThreshold(db: Db, organizationSlug: string, threshold: number, now: Date = new Date(), actor = 'cli'): Promise<void> {
  if (!Number.isInteger(threshold) || threshold < 0) throw new LanyardError('SYNC_THRESHOLD_INVALID', 'threshold must be a whole number ≥ 0');
  const organization = await requireOrganization(db, organizationSlug);
  const previous = (await findSyncState(db, organization.id))?.deletionThreshold ?? 500;
  await setDeletionThreshold(db, organization.id, threshold);
  await recordAuditEvent(db, { actor, action: 'agent.deletion-threshold.set', target: `organization:${organization.slug}`, outcome: 'success', details: { from: previous, to: threshold } }, now);
}
