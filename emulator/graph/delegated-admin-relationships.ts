import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { contextUrl, paginate } from './odata.ts';

const readRoles = ['DelegatedAdminRelationship.Read.All', 'DelegatedAdminRelationship.ReadWrite.All'];

/**
 * GET /tenantRelationships/delegatedAdminRelationships: the calling partner tenant's GDAP
 * relationships (Graph's delegatedAdminRelationship resource; reference D.3). A customer with a DAP
 * relationship only is not listed, which is how a partner tells DAP from GDAP. Paged as /users is.
 */
function listRelationships(call: GraphCall): GraphResponse {
  requireAnyRole(call, readRoles);
  const { state } = call.context;
  const relationships = state.delegatedAccess.relationships.gdapOf(call.caller.tenant.id).map(({ customerTenantId, relationship }) => ({
    '@odata.type': '#microsoft.graph.delegatedAdminRelationship',
    id: relationship.id,
    displayName: relationship.displayName,
    duration: 'P730D',
    status: relationship.status,
    autoExtendDuration: 'PT0S',
    createdDateTime: relationship.createdDateTime,
    activatedDateTime: relationship.status === 'active' ? relationship.createdDateTime : null,
    lastModifiedDateTime: relationship.createdDateTime,
    endDateTime: relationship.endDateTime,
    customer: { tenantId: customerTenantId, displayName: state.tenants.get(customerTenantId)?.displayName ?? customerTenantId },
    accessDetails: { unifiedRoles: relationship.roleDefinitionIds.map((roleDefinitionId) => ({ roleDefinitionId })) },
  }));
  const page = paginate(call, '/tenantRelationships/delegatedAdminRelationships', relationships);
  return {
    status: 200,
    headers: {},
    body: {
      '@odata.context': contextUrl(call, 'tenantRelationships/delegatedAdminRelationships'),
      value: page.items,
      ...(page.nextLink ? { '@odata.nextLink': page.nextLink } : {}),
    },
  };
}

export const delegatedAdminRelationshipRoutes: readonly GraphRoute[] = [
  { method: 'GET', pattern: /^\/tenantRelationships\/delegatedAdminRelationships\/?$/, handler: listRelationships },
];
