import { confirmPendingDeletions, getAgentStatus, registerAgent, revokeAgent, setDeletionGuardThreshold, type AgentStatus, type AgentSummary } from '../../agent/server/admin.ts';
import { findAgentById } from '../../agent/server/data/agents.ts';
import type { Db } from '../../core/db/database.ts';
import type { Organization } from '../../core/db/schema.ts';
import { LanyardError } from '../../core/errors.ts';
import { organizationTarget, requireCan } from '../admins.ts';
import type { Admin } from '../policy.ts';

/**
 * The Directory agents page's actions, over the agent server's own admin services (the same ones
 * `lanyard agent …` runs), each asking the policy and audited as the admin.
 */

export async function agentsStatus(db: Db, admin: Admin, organization: Organization, now: Date): Promise<AgentStatus> {
  requireCan(admin, 'agents.view', await organizationTarget(db, organization));
  return getAgentStatus(db, organization.slug, now);
}

/** Registers an agent; its key is in the answer only (stored as a hash), to show once. */
export async function registerOrganizationAgent(db: Db, admin: Admin, organization: Organization, name: string, now: Date): Promise<{ agent: AgentSummary; key: string }> {
  requireCan(admin, 'agents.manage', await organizationTarget(db, organization));
  return registerAgent(db, organization.slug, name, now, admin.actor);
}

/** Revokes an agent of this organization; another organization's agent is simply not found. */
export async function revokeOrganizationAgent(db: Db, admin: Admin, organization: Organization, agentId: string, now: Date): Promise<void> {
  requireCan(admin, 'agents.manage', await organizationTarget(db, organization));
  const agent = await findAgentById(db, agentId);
  if (!agent || agent.organizationId !== organization.id) throw new LanyardError('AGENT_NOT_FOUND', 'No such directory agent in this organization.');
  await revokeAgent(db, agentId, now, admin.actor);
}

export async function confirmOrganizationDeletions(db: Db, admin: Admin, organization: Organization, now: Date): Promise<{ confirmed: number }> {
  requireCan(admin, 'agents.confirm-deletions', await organizationTarget(db, organization));
  return confirmPendingDeletions(db, organization.slug, now, admin.actor);
}

/**
 * The directory sync's deletion guard threshold from the page's field (`lanyard agent
 * set-deletion-threshold` sets the same), a whole number of accounts as typed: no sign, exponent or
 * fraction that Number() would accept.
 */
export async function changeAgentDeletionThreshold(db: Db, admin: Admin, organization: Organization, text: string, now: Date): Promise<{ threshold: number }> {
  requireCan(admin, 'agents.threshold', await organizationTarget(db, organization));
  const trimmed = text.trim();
  if (!/^\d{1,7}$/.test(trimmed)) throw new LanyardError('SYNC_THRESHOLD_INVALID', 'The threshold is a whole number of accounts, 0 or more (at most 9,999,999).');
  const threshold = Number(trimmed);
  await setDeletionGuardThreshold(db, organization.slug, threshold, now, admin.actor);
  return { threshold };
}
