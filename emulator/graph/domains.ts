import type { Domain, Tenant } from '../state/model.ts';
import { setDefaultDomain } from '../state/store.ts';
import { followingSubdomainMessage, isFollowingSubdomain, setAuthenticationType } from '../state/subdomains.ts';
import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { badRequest, notFound } from './errors.ts';
import { contextUrl, parseSelect, project } from './odata.ts';

export const domainReadRoles = ['Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const domainWriteRoles = ['Domain.ReadWrite.All', 'Directory.ReadWrite.All'];
/** Graph (Oct 2025): changing authenticationType in app context needs this permission. */
const authenticationTypeRoles = ['Domain-InternalFederation.ReadWrite.All'];

const domainProperties = [
  'id',
  'authenticationType',
  'availabilityStatus',
  'isAdminManaged',
  'isDefault',
  'isInitial',
  'isRoot',
  'isVerified',
  'passwordNotificationWindowInDays',
  'passwordValidityPeriodInDays',
  'supportedServices',
  'state',
];

/** Services that Graph lets a client switch on or off (the others are managed by Microsoft). */
const changeableServices = ['Email', 'OfficeCommunicationsOnline', 'Yammer'];

export function domainResource(domain: Domain): Record<string, unknown> {
  return {
    authenticationType: domain.authenticationType,
    availabilityStatus: null,
    id: domain.id,
    isAdminManaged: domain.isAdminManaged,
    isDefault: domain.isDefault,
    isInitial: domain.isInitial,
    isRoot: domain.isRoot,
    isVerified: domain.isVerified,
    supportedServices: [...domain.supportedServices],
    passwordValidityPeriodInDays: domain.passwordValidityPeriodInDays,
    passwordNotificationWindowInDays: domain.passwordNotificationWindowInDays,
    state: null,
  };
}

export function findDomainOrThrow(tenant: Tenant, id: string): Domain {
  const domain = tenant.domains.get(id.toLowerCase());
  if (!domain) throw notFound(id);
  return domain;
}

function listDomains(call: GraphCall): GraphResponse {
  requireAnyRole(call, domainReadRoles);
  const select = parseSelect(call, 'domain', domainProperties);
  const value = [...call.caller.tenant.domains.values()].map((domain) => {
    const resource = domainResource(domain);
    return select ? project(resource, select) : resource;
  });
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, 'domains'), value } };
}

function getDomain(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, domainReadRoles);
  const domain = findDomainOrThrow(call.caller.tenant, parameters.domainId ?? '');
  const select = parseSelect(call, 'domain', domainProperties);
  const resource = domainResource(domain);
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': contextUrl(call, 'domains/$entity'), ...(select ? project(resource, select) : resource) },
  };
}

/**
 * PATCH /domains/{id}: `authenticationType`, `isDefault`, `supportedServices`; 204. Setting Managed on a
 * federated domain is the documented de-federation step; whether the federationConfiguration goes with
 * it is not (scripts delete it afterwards), so it stays unless the managedDeletesFederationConfiguration
 * quirk is on.
 */
function updateDomain(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  const tenant = call.caller.tenant;
  const domain = findDomainOrThrow(tenant, parameters.domainId ?? '');
  const body = call.request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('A JSON object body is required.');
  const changes = body as Record<string, unknown>;
  requireAnyRole(call, 'authenticationType' in changes ? authenticationTypeRoles : domainWriteRoles);
  if (!domain.isVerified) throw badRequest(`Domain ${domain.id} is not verified; only verified domains can be updated.`);
  for (const [property, value] of Object.entries(changes)) {
    switch (property) {
      case 'authenticationType':
        if (value !== 'Managed' && value !== 'Federated') throw badRequest('authenticationType must be Managed or Federated.');
        if (domain.isInitial) throw badRequest('The authentication type of the initial domain cannot be changed.');
        if (isFollowingSubdomain(domain)) throw badRequest(followingSubdomainMessage(tenant, domain));
        if (value === 'Federated' && domain.isDefault) throw badRequest('The default domain cannot be federated.');
        break;
      case 'isDefault':
        if (value !== true) throw badRequest('isDefault can only be set to true; set another domain as default instead.');
        if (domain.authenticationType === 'Federated') throw badRequest('A federated domain cannot be the default domain.');
        break;
      case 'supportedServices':
        if (!Array.isArray(value) || !value.every((service) => changeableServices.includes(service as string))) {
          throw badRequest(`supportedServices may only contain ${changeableServices.join(', ')}.`);
        }
        break;
      default:
        throw badRequest(`Property '${property}' is read-only or unknown on type 'microsoft.graph.domain'.`);
    }
  }
  if (changes.authenticationType === 'Managed' && call.context.quirks.managedDeletesFederationConfiguration) domain.federationConfiguration = undefined;
  if (changes.authenticationType !== undefined) setAuthenticationType(tenant, domain, changes.authenticationType as Domain['authenticationType']);
  if (changes.isDefault === true) setDefaultDomain(tenant, domain);
  if (Array.isArray(changes.supportedServices)) domain.supportedServices = [...(changes.supportedServices as string[])];
  return { status: 204, headers: {} };
}

/**
 * `POST /domains/{id}/promote`: a verified subdomain becomes a root domain, keeping its current
 * authentication type, which it may then change on its own. Answers 200 with the Boolean result.
 */
function promoteDomain(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, domainWriteRoles);
  const domain = findDomainOrThrow(call.caller.tenant, parameters.domainId ?? '');
  if (!domain.isVerified) throw badRequest(`Domain ${domain.id} is not verified; only verified subdomains can be promoted.`);
  if (domain.isRoot) throw badRequest(`Domain ${domain.id} is already a root domain.`);
  domain.isRoot = true;
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, 'Edm.Boolean'), value: true } };
}

const domainPath = /^\/domains\/(?<domainId>[^/]+)\/?$/;
const promotePath = /^\/domains\/(?<domainId>[^/]+)\/promote\/?$/;

export const domainRoutes: readonly GraphRoute[] = [
  { method: 'GET', pattern: /^\/domains\/?$/, handler: listDomains },
  { method: 'GET', pattern: domainPath, handler: getDomain },
  { method: 'PATCH', pattern: domainPath, handler: updateDomain },
  { method: 'POST', pattern: promotePath, handler: promoteDomain },
];
