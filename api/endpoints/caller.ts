import { z } from 'zod';
import { reachableOrganizations } from '../../portal/admins.ts';
import { hasFreshSecondFactor } from '../../portal/session/reauth.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';

/** Who is calling, and which organizations they reach. */
export const callerEndpoints: readonly Endpoint[] = [
  endpoint({
    id: 'getCaller', method: 'get', path: '/session', scope: 'caller', tag: 'Caller',
    summary: 'Who is calling: the token and its organization, or the signed-in admin with the CSRF token their unsafe calls send',
    response: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('token'), name: z.string(), organization: z.string() }),
      z.strictObject({
        kind: z.literal('session'),
        upn: z.string(),
        roles: z.array(z.string()),
        csrfToken: z.string().describe('Send as X-CSRF-Token with every POST, PUT, PATCH and DELETE of this session'),
        freshSecondFactor: z.boolean().describe('Whether dangerous actions pass without X-Lanyard-TOTP right now'),
      }),
    ]),
    handle: async ({ deps, ctx, caller }) => {
      ctx.set('Cache-Control', 'no-store');
      if (caller.kind === 'token') return { kind: 'token', name: caller.token.name, organization: caller.organization.slug };
      const { request } = caller;
      return { kind: 'session', upn: request.user.upn, roles: [...new Set(request.admin.grants.map((grant) => grant.role))], csrfToken: request.csrfToken, freshSecondFactor: hasFreshSecondFactor(deps.portal, request) };
    },
  }),
  endpoint({
    id: 'listOrganizations', method: 'get', path: '/orgs', scope: 'caller', tag: 'Caller',
    summary: 'The organizations the caller may open (a token: its own)',
    response: z.strictObject({ organizations: z.array(z.strictObject({ slug: z.string(), name: z.string() })) }),
    handle: async ({ deps, caller }) => ({ organizations: (await reachableOrganizations(deps.context.db, caller.admin)).map((organization) => ({ slug: organization.slug, name: organization.name })) }),
  }),
];
