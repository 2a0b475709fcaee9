import { randomUUID } from 'node:crypto';
import { fullScope, graphResource } from '../entra/scopes.ts';
import { resourceAttributes } from './collections.ts';
import { bodyObject, customerOf, stringField } from './customer-access.ts';
import type { PartnerCenterCall, PartnerCenterResponse, PartnerCenterRoute } from './dispatcher.ts';
import { invalidProperty, notFound, PartnerCenterError } from './errors.ts';

/** Microsoft Graph's enterprise application (service principal) id, as `applicationGrants` names it. */
const graphApplicationId = '00000003-0000-0000-c000-000000000000';

/**
 * `POST /v1/customers/{id}/applicationconsents` (reference C.10): consents a partner app into the
 * customer tenant. The emulator registers the app there with the granted scopes as its roles and the
 * partner app's secret, so a client-credentials token for the customer tenant then works against Graph.
 * EMULATOR CHOICE: a second consent for the same app is 409 with the text clients match on ("already exists").
 * EMULATOR CHOICE: the grants also become a tenant-wide (AllPrincipals) delegated grant of the same
 * permissions, as the secure application model relies on (a partner user's refresh token redeemed at
 * the customer's authority gets a Graph token with those scopes). Only Graph's enterprise
 * application id (`00000003-0000-0000-c000-000000000000`) names a resource the emulator serves.
 */
function createConsent(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer, tenant } = customerOf(call, parameters.customerId ?? '');
  const body = bodyObject(call);
  const applicationId = stringField(body, 'applicationId');
  const grants = body.applicationGrants;
  if (!applicationId || !Array.isArray(grants) || grants.length === 0) throw invalidProperty('ApplicationId and ApplicationGrants are required.');
  const partnerApp = call.caller.tenant.apps.find((app) => app.clientId === applicationId);
  if (!partnerApp) throw invalidProperty(`Application ${applicationId} is not registered in the partner tenant.`);
  if (customer.applicationConsents.has(applicationId)) {
    throw new PartnerCenterError(409, 'Conflict', 'Permission entry already exists.');
  }
  const delegated: string[] = [];
  const roles = grants.flatMap((grant: unknown) => {
    const scope = (grant as Record<string, unknown> | null)?.scope;
    if (typeof scope !== 'string') throw invalidProperty('Each ApplicationGrants entry needs a Scope.');
    const permissions = scope.split(',').map((entry) => entry.trim()).filter(Boolean);
    const resourceApp = (grant as Record<string, unknown>).enterpriseApplicationId;
    if (resourceApp === graphApplicationId) delegated.push(...permissions.map((permission) => fullScope(graphResource, permission)));
    return permissions;
  });
  const displayName = stringField(body, 'displayName') ?? partnerApp.displayName;
  customer.applicationConsents.set(applicationId, { applicationId, applicationGrants: grants, displayName });
  if (!tenant.apps.some((app) => app.clientId === applicationId)) {
    tenant.apps.push({ ...partnerApp, servicePrincipalId: randomUUID(), roles });
  }
  // The token endpoint finds the app's service principal in the customer tenant through its consents.
  call.context.state.delegatedAccess.consents.addServicePrincipal(tenant.id, applicationId);
  if (delegated.length > 0) call.context.state.delegatedAccess.consents.grant({ tenantId: tenant.id, clientId: applicationId, scopes: delegated });
  return { status: 201, body: { applicationId, displayName, applicationGrants: grants, attributes: resourceAttributes('ApplicationConsent') } };
}

function deleteConsent(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer, tenant } = customerOf(call, parameters.customerId ?? '');
  const applicationId = parameters.applicationId ?? '';
  if (!customer.applicationConsents.delete(applicationId)) throw notFound(`Application consent ${applicationId}`);
  const index = tenant.apps.findIndex((app) => app.clientId === applicationId);
  if (index >= 0) tenant.apps.splice(index, 1);
  call.context.state.delegatedAccess.consents.revoke(tenant.id, applicationId);
  return { status: 204 };
}

export const consentRoutes: readonly PartnerCenterRoute[] = [
  { method: 'POST', pattern: /^\/customers\/(?<customerId>[^/]+)\/applicationconsents\/?$/i, handler: createConsent, appPlusUser: true },
  { method: 'DELETE', pattern: /^\/customers\/(?<customerId>[^/]+)\/applicationconsents\/(?<applicationId>[^/]+)\/?$/i, handler: deleteConsent, appPlusUser: true },
];
