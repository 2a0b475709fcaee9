import type { CustomerGraph } from '../graph/customer-graph.ts';

/** The Entra roles a GDAP relationship must grant for Lanyard's work in the customer tenant (reference D.3). */
export const requiredGdapRoles: readonly { readonly id: string; readonly name: string; readonly why: string }[] = [
  { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', name: 'User Administrator', why: 'add, change and remove users' },
  { id: '4d6ac14f-3453-41d0-bef9-a3e0c569773a', name: 'License Administrator', why: 'assign and remove licences' },
  { id: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b', name: 'Directory Readers', why: 'read users, groups and domains for the sync' },
  { id: '8329153b-31d0-4727-b945-745eb3bc5f31', name: 'Domain Name Administrator', why: 'add and verify domains' },
];

export interface GdapRelationship {
  readonly id: string;
  readonly status: string;
  readonly customerTenantId: string;
  readonly roleIds: readonly string[];
  readonly endDateTime: string | null;
}

interface GraphRelationship {
  id: string;
  status: string;
  endDateTime?: string | null;
  customer?: { tenantId?: string };
  accessDetails?: { unifiedRoles?: { roleDefinitionId: string }[] };
}

/** Graph's relationship statuses ranked: with several relationships per customer, the most useful one counts. */
const statusRank = ['active', 'expiring', 'activating', 'approved', 'approvalPending', 'created', 'terminationRequested', 'terminating', 'expired', 'terminated'];

/**
 * The partner's GDAP relationships by customer tenant (`GET /tenantRelationships/delegatedAdminRelationships`
 * in the partner tenant). A customer the partner reaches with none listed is DAP.
 */
export async function readGdapRelationships(graph: CustomerGraph): Promise<Map<string, GdapRelationship>> {
  const byTenant = new Map<string, GdapRelationship>();
  for await (const page of graph.pages<GraphRelationship>('/tenantRelationships/delegatedAdminRelationships')) {
    for (const item of page) {
      const tenantId = item.customer?.tenantId?.toLowerCase();
      if (!tenantId) continue;
      const relationship: GdapRelationship = {
        id: item.id,
        status: item.status,
        customerTenantId: tenantId,
        roleIds: (item.accessDetails?.unifiedRoles ?? []).map((role) => role.roleDefinitionId.toLowerCase()),
        endDateTime: item.endDateTime ?? null,
      };
      const current = byTenant.get(tenantId);
      if (!current || rank(relationship.status) < rank(current.status)) byTenant.set(tenantId, relationship);
    }
  }
  return byTenant;
}

function rank(status: string): number {
  const index = statusRank.indexOf(status);
  return index === -1 ? statusRank.length : index;
}

/** Required roles the relationship does not grant. */
export function missingGdapRoles(roleIds: readonly string[]): typeof requiredGdapRoles {
  return requiredGdapRoles.filter((role) => !roleIds.includes(role.id));
}
