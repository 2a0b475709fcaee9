import { z } from 'zod';
import { listDomains } from '../../core/db/domains.ts';
import type { Organization } from '../../core/db/schema.ts';
import { setOrganizationMfaPolicy } from '../../idp/accounts/organizations.ts';
import { organizationOverview } from '../../portal/views/organization-overview.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { domainShape, named, organizationShape, timeShape } from '../shapes.ts';
import type { ApiDeps } from './deps.ts';

const overviewShape = named('OrganizationOverview', z.strictObject({
  organization: z.strictObject({ slug: z.string(), name: z.string(), mfaPolicy: z.enum(['required', 'optional']) }),
  domains: z.array(domainShape),
  users: z.strictObject({ total: z.number().int(), active: z.number().int(), disabled: z.number().int(), pending: z.number().int() }),
  agents: z.array(z.strictObject({ name: z.string(), state: z.enum(['connected', 'seen', 'never-seen', 'revoked']), lastSeenAt: timeShape.nullable(), version: z.string().nullable(), lastError: z.string().nullable() })),
  connection: z.strictObject({
    via: z.enum(['app-registration', 'csp-partner', 'none']),
    token: z.strictObject({
      holder: z.enum(['app-registration', 'customer', 'partner']),
      state: z.string(), code: z.string().nullable(), explanation: z.string(), remediation: z.string().nullable(), lastUsedAt: timeShape.nullable(),
    }).nullable(),
  }),
  lastRun: z.strictObject({
    id: z.string(), kind: z.string(), status: z.string(), phase: z.string(), trigger: z.string(), dryRun: z.boolean(),
    createdAt: timeShape, finishedAt: timeShape.nullable(), counts: z.record(z.string(), z.number()), error: z.string().nullable(),
  }).nullable(),
}), 'The organization page\'s facts: domains with federation state, user counts, agents, token health, the last provisioning run.');

async function organizationView(deps: ApiDeps, organization: Organization) {
  const domains = await listDomains(deps.context.db, organization.id);
  return {
    slug: organization.slug,
    name: organization.name,
    mfaPolicy: organization.mfaPolicy,
    domains: domains.map((domain) => ({ name: domain.name, issuerUri: domain.issuerUri, protocol: domain.protocol, mfaBehavior: domain.mfaBehavior })),
  };
}

/** The organization itself: its facts, its overview and its MFA policy. */
export const organizationEndpoints: readonly Endpoint[] = [
  endpoint({
    id: 'getOrganization', method: 'get', path: '', implicitPath: '/organization', scope: 'organization', action: 'organization.view', tag: 'Organization',
    summary: 'The organization: slug, name, MFA policy, domains with their issuers',
    response: organizationShape,
    handle: async ({ deps, organization }) => organizationView(deps, organization),
  }),
  endpoint({
    id: 'getOrganizationOverview', method: 'get', path: '/overview', scope: 'organization', action: 'organization.view', tag: 'Organization',
    summary: 'The overview page\'s facts: domains with federation state, user counts, agents, last provisioning run',
    response: overviewShape,
    handle: async ({ deps, organization, now }) => organizationOverview(deps.context.db, organization, now),
  }),
  endpoint({
    id: 'setOrganizationMfaPolicy', method: 'put', path: '/mfa-policy', scope: 'organization', action: 'organization.mfa-policy', tag: 'Organization',
    summary: 'Whether everyone must pass TOTP at sign-in (dangerous: a fresh second factor)',
    body: z.strictObject({ policy: z.enum(['required', 'optional']) }),
    response: organizationShape,
    handle: async ({ deps, organization, body, caller }) => organizationView(deps, await setOrganizationMfaPolicy(deps.context.db, organization.slug, body.policy, caller.admin.actor)),
  }),
];
