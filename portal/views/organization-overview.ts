import type { Db } from '../../core/db/database.ts';
import { listDomains } from '../../core/db/domains.ts';
import { listFederatedDomains } from '../../core/db/domain-federations.ts';
import type { Organization } from '../../core/db/schema.ts';
import { listAgentsOfOrganization } from '../../agent/server/data/agents.ts';
import { listRuns, parseCounts } from '../../provisioning/data/provisioning-runs.ts';
import { connectionHealthOf, type ConnectionHealth } from './connection-health.ts';

export interface OrganizationOverview {
  readonly organization: { readonly slug: string; readonly name: string; readonly mfaPolicy: string };
  readonly domains: ReadonlyArray<{ name: string; protocol: string; mfaBehavior: string; federated: boolean; tenantId: string | null; federatedAt: string | null }>;
  readonly users: { readonly total: number; readonly active: number; readonly disabled: number; readonly pending: number };
  readonly agents: ReadonlyArray<{ name: string; state: 'connected' | 'seen' | 'never-seen' | 'revoked'; lastSeenAt: string | null; version: string | null; lastError: string | null }>;
  /** Token health: the credential that reaches the tenant (connection-health.ts). */
  readonly connection: ConnectionHealth;
  readonly lastRun: { id: string; kind: string; status: string; phase: string; trigger: string; dryRun: boolean; createdAt: string; finishedAt: string | null; counts: Record<string, number>; error: string | null } | null;
}

/** The organization page's facts, read from the repositories that hold them (the portal API answers the same). */
export async function organizationOverview(db: Db, organization: Organization, now: Date): Promise<OrganizationOverview> {
  const [domains, federated, counts, agents, runs, connection] = await Promise.all([
    listDomains(db, organization.id),
    listFederatedDomains(db, organization.id),
    db.selectFrom('users').select(['status', (eb) => eb.fn.countAll<number>().as('count')]).where('organizationId', '=', organization.id).groupBy('status').execute(),
    listAgentsOfOrganization(db, organization.id),
    listRuns(db, organization.id, 1),
    connectionHealthOf(db, organization, now),
  ]);
  const federation = new Map(federated.map((domain) => [domain.id, domain]));
  const byStatus = Object.fromEntries(counts.map((row) => [row.status, Number(row.count)]));
  const run = runs[0];
  return {
    organization: { slug: organization.slug, name: organization.name, mfaPolicy: organization.mfaPolicy },
    domains: domains.map((domain) => ({
      name: domain.name,
      protocol: domain.protocol,
      mfaBehavior: domain.mfaBehavior,
      federated: federation.has(domain.id),
      tenantId: federation.get(domain.id)?.tenantId ?? null,
      federatedAt: federation.get(domain.id)?.federatedAt ?? null,
    })),
    users: { total: (byStatus.active ?? 0) + (byStatus.disabled ?? 0) + (byStatus.pending ?? 0), active: byStatus.active ?? 0, disabled: byStatus.disabled ?? 0, pending: byStatus.pending ?? 0 },
    agents: agents.map((agent) => ({
      name: agent.name,
      state: agent.revokedAt ? 'revoked' : agent.connectedUntil && agent.connectedUntil > now.toISOString() ? 'connected' : agent.lastSeenAt ? 'seen' : 'never-seen',
      lastSeenAt: agent.lastSeenAt,
      version: agent.version,
      lastError: agent.lastErrorCode ? `${agent.lastErrorCode}: ${agent.lastErrorMessage ?? ''}` : null,
    })),
    connection,
    lastRun: run
      ? {
          id: run.id,
          kind: run.kind,
          status: run.status,
          phase: run.phase,
          trigger: run.trigger,
          dryRun: run.dryRun === 1,
          createdAt: run.createdAt,
          finishedAt: run.finishedAt,
          counts: parseCounts(run) as Record<string, number>,
          error: run.errorCode ? `${run.errorCode}: ${run.errorMessage ?? ''}` : null,
        }
      : null,
  };
}
