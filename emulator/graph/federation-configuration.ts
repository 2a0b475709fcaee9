import type { FederationConfiguration } from '../state/model.ts';
import { assertDomainCanBeFederated, federateDomain, mergeFederationConfiguration } from '../state/federation.ts';
import { setAuthenticationType } from '../state/subdomains.ts';
import { EmulatorStateError } from '../state/store.ts';
import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { domainReadRoles, findDomainOrThrow } from './domains.ts';
import { badRequest, GraphError, notFound } from './errors.ts';
import { contextUrl } from './odata.ts';

const readRoles = ['Domain-InternalFederation.Read.All', 'Domain-InternalFederation.ReadWrite.All', ...domainReadRoles];
const writeRoles = ['Domain-InternalFederation.ReadWrite.All', 'Domain.ReadWrite.All'];
const odataType = '#microsoft.graph.internalDomainFederation';

function resource(configuration: FederationConfiguration): Record<string, unknown> {
  return {
    '@odata.type': odataType,
    ...configuration,
    // Entra's auto-rollover status; the emulator never polls metadata, so it never ran.
    signingCertificateUpdateStatus: { certificateUpdateResult: null, lastRunDateTime: null },
  };
}

function entityContext(call: GraphCall, domainId: string): string {
  return contextUrl(call, `domains('${domainId}')/federationConfiguration/$entity`);
}

function body(call: GraphCall): Record<string, unknown> {
  const value = call.request.body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('A JSON object body is required.');
  return value as Record<string, unknown>;
}

/** Validation failures of the shared federation rules become Graph's 400. */
function withGraphErrors<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof EmulatorStateError) throw badRequest(error.message);
    throw error;
  }
}

/** GET …/federationConfiguration: a collection that holds at most one object (or, as a quirk, 404 when empty). */
function list(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, readRoles);
  const domain = findDomainOrThrow(call.caller.tenant, parameters.domainId ?? '');
  if (!domain.federationConfiguration && call.context.quirks.federationConfigurationNotFoundWhenNone) throw notFound(`${domain.id}/federationConfiguration`);
  const value = domain.federationConfiguration ? [resource(domain.federationConfiguration)] : [];
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': contextUrl(call, `domains('${domain.id}')/federationConfiguration`), value },
  };
}

/** POST …/federationConfiguration → 201; this is the call that federates the domain. */
function create(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, writeRoles);
  const tenant = call.caller.tenant;
  const domain = findDomainOrThrow(tenant, parameters.domainId ?? '');
  const changes = body(call);
  if (domain.federationConfiguration) {
    // Graph allows one configuration per domain; a second POST is a conflict (status chosen by the emulator).
    throw new GraphError(409, 'Request_MultipleObjectsWithSameKeyValue', `Domain ${domain.id} already has a federation configuration.`);
  }
  const configuration = withGraphErrors(() => {
    assertDomainCanBeFederated(tenant, domain);
    return mergeFederationConfiguration(call.context.state, domain, undefined, changes);
  });
  federateDomain(tenant, domain, configuration);
  return { status: 201, headers: {}, body: { '@odata.context': entityContext(call, domain.id), ...resource(configuration) } };
}

function findConfiguration(call: GraphCall, parameters: Readonly<Record<string, string>>) {
  const domain = findDomainOrThrow(call.caller.tenant, parameters.domainId ?? '');
  const configuration = domain.federationConfiguration;
  if (!configuration || configuration.id !== parameters.configurationId) throw notFound(parameters.configurationId ?? '');
  return { domain, configuration };
}

function get(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, readRoles);
  const { domain, configuration } = findConfiguration(call, parameters);
  return { status: 200, headers: {}, body: { '@odata.context': entityContext(call, domain.id), ...resource(configuration) } };
}

/** PATCH → 200 with the updated object (Graph's internalDomainFederation-update page). */
function update(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, writeRoles);
  const { domain, configuration } = findConfiguration(call, parameters);
  const changes = body(call);
  const updated = withGraphErrors(() => mergeFederationConfiguration(call.context.state, domain, configuration, changes));
  domain.federationConfiguration = updated;
  return { status: 200, headers: {}, body: { '@odata.context': entityContext(call, domain.id), ...resource(updated) } };
}

/**
 * DELETE → 204. Whether the domain stays "Federated" without a configuration is undocumented: it
 * does here, and becomes Managed with the deletingFederationConfigurationMakesManaged quirk.
 */
function remove(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, writeRoles);
  const { domain } = findConfiguration(call, parameters);
  domain.federationConfiguration = undefined;
  if (call.context.quirks.deletingFederationConfigurationMakesManaged) setAuthenticationType(call.caller.tenant, domain, 'Managed');
  return { status: 204, headers: {} };
}

const collectionPath = /^\/domains\/(?<domainId>[^/]+)\/federationConfiguration\/?$/;
const entityPath = /^\/domains\/(?<domainId>[^/]+)\/federationConfiguration\/(?<configurationId>[^/]+)\/?$/;

export const federationConfigurationRoutes: readonly GraphRoute[] = [
  { method: 'GET', pattern: collectionPath, handler: list },
  { method: 'POST', pattern: collectionPath, handler: create },
  { method: 'GET', pattern: entityPath, handler: get },
  { method: 'PATCH', pattern: entityPath, handler: update },
  { method: 'DELETE', pattern: entityPath, handler: remove },
];
