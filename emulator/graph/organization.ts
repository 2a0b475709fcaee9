import type { Tenant } from '../state/model.ts';
import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { contextUrl, parseSelect, project } from './odata.ts';

/** Graph's "List organization": the least privileged application permission is Organization.Read.All. */
export const organizationReadRoles = ['Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

const organizationProperties = ['id', 'displayName', 'tenantType', 'verifiedDomains', 'countryLetterCode', 'createdDateTime'];

/** The tenant as Graph's organization resource; verifiedDomains lists only verified domains, as Entra does. */
function organizationResource(tenant: Tenant): Record<string, unknown> {
  return {
    id: tenant.id,
    displayName: tenant.displayName,
    tenantType: 'AAD',
    countryLetterCode: null,
    createdDateTime: null,
    verifiedDomains: [...tenant.domains.values()]
      .filter((domain) => domain.isVerified)
      .map((domain) => ({ capabilities: domain.supportedServices.join(', '), isDefault: domain.isDefault, isInitial: domain.isInitial, name: domain.id, type: domain.authenticationType })),
  };
}

/** GET /organization: a collection of exactly one, the caller's tenant. */
function listOrganization(call: GraphCall): GraphResponse {
  requireAnyRole(call, organizationReadRoles);
  const select = parseSelect(call, 'organization', organizationProperties);
  const resource = organizationResource(call.caller.tenant);
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, 'organization'), value: [select ? project(resource, select) : resource] } };
}

export const organizationRoutes: readonly GraphRoute[] = [{ method: 'GET', pattern: /^\/organization$/, handler: listOrganization }];
