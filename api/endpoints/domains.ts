import { z } from 'zod';
import type { Organization } from '../../core/db/schema.ts';
import { organizationOverview } from '../../portal/views/organization-overview.ts';
import {
  addOrganizationDomain, federateOrganizationDomain, federationChoiceOf, previewFederation, previewUnfederation, requireDomainOf, unfederateOrganizationDomain,
} from '../../portal/views/domains.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { domainShape, federateReportShape, named, preflightCheckShape, unfederateReportShape } from '../shapes.ts';
import type { ApiDeps } from './deps.ts';

const domainName = z.strictObject({ name: z.string().min(1).max(253).describe('The domain name') });
const choice = z.strictObject({
  protocol: z.enum(['wsfed', 'saml']).optional().describe('Default: the domain\'s own'),
  mfaBehavior: z.enum(['enforce', 'accept', 'reject']).optional().describe('Default: the domain\'s own'),
});
const previewShape = named('FederationPreview', z.discriminatedUnion('ready', [
  z.strictObject({ ready: z.literal(true), report: federateReportShape }),
  z.strictObject({ ready: z.literal(false), checks: z.array(preflightCheckShape), message: z.string() }),
]), 'The pre-flight of federating: every check, and the Graph body when they all pass. Nothing is written.');
const federationErrors = ['DOMAIN_NOT_FOUND', 'TENANT_NOT_CONNECTED', 'FEDERATION_PREFLIGHT_FAILED', 'DOMAIN_NOT_FEDERATABLE'] as const;

/** The choice as the portal's federationChoiceOf reads it (absent: the domain's own). */
const choiceValues = (value: z.output<typeof choice>) => ({ get: (name: string) => (name === 'protocol' ? value.protocol : name === 'mfa' ? value.mfaBehavior : undefined) });

const domainsOf = async (deps: ApiDeps, organization: Organization, now: Date) => (await organizationOverview(deps.context.db, organization, now)).domains;

/** Domains & federation: list, add, the pre-flight of federating and unfederating, and doing it. */
export const domainEndpoints: readonly Endpoint[] = [
  endpoint({
    id: 'listDomains', method: 'get', path: '/domains', scope: 'organization', action: 'domains.view', tag: 'Domains',
    summary: 'The organization\'s domains with their federation state',
    response: z.strictObject({ domains: z.array(domainShape) }),
    handle: async ({ deps, organization, now }) => ({ domains: await domainsOf(deps, organization, now) }),
  }),
  endpoint({
    id: 'addDomain', method: 'post', path: '/domains', scope: 'organization', action: 'domains.add', tag: 'Domains', status: 201,
    summary: 'Adds a domain to the organization (its issuer is made from the public URL)',
    body: z.strictObject({ name: z.string().min(1).max(253) }), response: domainShape,
    errors: ['DOMAIN_NAME_INVALID', 'DOMAIN_EXISTS'],
    handle: async ({ deps, organization, body, caller, now }) => {
      const added = await addOrganizationDomain(deps.context, caller.admin, organization, body.name);
      return (await domainsOf(deps, organization, now)).find((domain) => domain.name === added.name);
    },
  }),
  endpoint({
    id: 'previewFederation', method: 'get', path: '/domains/:name/federation-preflight', scope: 'organization', action: 'domains.federate', tag: 'Domains',
    summary: 'Runs the pre-flight of federating the domain (nothing is written, here or at Microsoft)',
    params: domainName, query: choice, response: previewShape, errors: federationErrors,
    handle: async ({ deps, organization, params, query, caller }) => {
      const domain = await requireDomainOf(deps.context, organization, params.name);
      return previewFederation(deps.context, caller.admin, organization, domain, federationChoiceOf(domain, choiceValues(query)));
    },
  }),
  endpoint({
    id: 'federateDomain', method: 'post', path: '/domains/:name/federate', scope: 'organization', action: 'domains.federate', tag: 'Domains',
    summary: 'Federates the domain in the tenant: the checks run again, then Graph is written (dangerous: a fresh second factor)',
    params: domainName, body: choice, response: federateReportShape, errors: federationErrors,
    handle: async ({ deps, organization, params, body, caller }) => {
      const domain = await requireDomainOf(deps.context, organization, params.name);
      return federateOrganizationDomain(deps.context, caller.admin, organization, domain, federationChoiceOf(domain, choiceValues(body)));
    },
  }),
  endpoint({
    id: 'previewUnfederation', method: 'get', path: '/domains/:name/unfederation-preflight', scope: 'organization', action: 'domains.federate', tag: 'Domains',
    summary: 'What unfederating the domain would do (nothing is written)',
    params: domainName, response: unfederateReportShape, errors: ['DOMAIN_NOT_FOUND', 'TENANT_NOT_CONNECTED'],
    handle: async ({ deps, organization, params, caller }) => previewUnfederation(deps.context, caller.admin, organization, await requireDomainOf(deps.context, organization, params.name)),
  }),
  endpoint({
    id: 'unfederateDomain', method: 'post', path: '/domains/:name/unfederate', scope: 'organization', action: 'domains.federate', tag: 'Domains',
    summary: 'Makes the domain Managed by Microsoft again (dangerous: a fresh second factor)',
    params: domainName, response: unfederateReportShape, errors: ['DOMAIN_NOT_FOUND', 'TENANT_NOT_CONNECTED'],
    handle: async ({ deps, organization, params, caller }) => unfederateOrganizationDomain(deps.context, caller.admin, organization, await requireDomainOf(deps.context, organization, params.name)),
  }),
];
