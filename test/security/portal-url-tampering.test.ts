/**
 * Threat: an admin reaches what their role does not cover by editing a URL: an org-admin opens
 * another organization, a reseller another reseller's customer, a role posts an action it lacks,
 * or an organization's URL carries another organization's user id.
 * Invariant: every page, JSON call and form post asks the one rule (portal/policy.ts) for its own
 * action and organization; outside the scope it is refused (403), and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMfaCredential } from '../../core/db/mfa-credentials.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';

describe('portal URL tampering', () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world.stop());
  const json = { accept: 'application/json' };
  const statusOf = async (upn: string) => (await findUserByUpn(world.lanyard.context.db, upn))!.status;

  it('an org-admin cannot reach another organization: page, API, forged post', async () => {
    const alice = await world.signIn(people.orgAdmin);
    expect((await alice.request(`${world.url}/admin/orgs/contoso`)).status).toBe(200);
    for (const path of ['/admin/orgs/fabrikam', '/admin/orgs/fabrikam/users', '/admin/orgs/fabrikam/audit', '/admin/orgs/fabrikam/audit.csv', '/admin/orgs/no-such-org']) {
      expect((await alice.request(`${world.url}${path}`)).status, path).toBe(403);
    }
    const api = await alice.request(`${world.url}/admin/api/orgs/fabrikam/users`, { headers: json });
    expect(api.status).toBe(403);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('ADMIN_FORBIDDEN');
    const csrf = await csrfOf(alice, world.url);
    const fiona = await world.userId(people.fabrikamUser);
    expect((await alice.request(`${world.url}/admin/orgs/fabrikam/users/${fiona}/disable`, { form: { csrf } })).status).toBe(403);
    // Another organization's user id under her own organization's URL is not found there.
    expect((await alice.request(`${world.url}/admin/orgs/contoso/users/${fiona}/disable`, { form: { csrf } })).status).toBe(404);
    expect(await statusOf(people.fabrikamUser)).toBe('active');
    expect((await alice.request(`${world.url}/admin/orgs/fabrikam/mfa-policy`, { form: { csrf, policy: 'optional' } })).status).toBe(403);
    expect((await findOrganizationBySlug(world.lanyard.context.db, 'fabrikam'))!.mfaPolicy).toBe('required');
    // Installation pages are the operator's.
    expect((await alice.request(`${world.url}/admin/audit`)).status).toBe(403);
    expect((await alice.request(`${world.url}/admin/admins`)).status).toBe(403);
  });

  it('a reseller sees its own customers only, and may not reset MFA', async () => {
    const rita = await world.signIn(people.reseller);
    expect((await rita.request(`${world.url}/admin/orgs/fabrikam/users`)).status).toBe(200);
    expect((await rita.request(`${world.url}/admin/orgs/tailspin/users`)).status).toBe(403);
    expect((await rita.request(`${world.url}/admin/api/orgs/tailspin`, { headers: json })).status).toBe(403);
    const csrf = await csrfOf(rita, world.url);
    const tim = await world.userId(people.tailspinUser);
    expect((await rita.request(`${world.url}/admin/orgs/tailspin/users/${tim}/disable`, { form: { csrf } })).status).toBe(403);
    expect(await statusOf(people.tailspinUser)).toBe('active');
    expect((await rita.request(`${world.url}/admin/orgs/fabrikam/mfa-policy`, { form: { csrf, policy: 'optional' } })).status).toBe(403);
    expect((await findOrganizationBySlug(world.lanyard.context.db, 'fabrikam'))!.mfaPolicy).toBe('required');
    const fiona = await world.userId(people.fabrikamUser);
    const reset = await rita.request(`${world.url}/admin/orgs/fabrikam/users/${fiona}/reset-mfa`, { form: { csrf } });
    expect(reset.status).toBe(403);
    expect(await findMfaCredential(world.lanyard.context.db, fiona)).toBeDefined();
    const users = await (await rita.follow(`${world.url}/admin/orgs/fabrikam/users`)).html;
    expect(users).not.toContain('Reset MFA');
    expect((await rita.follow(`${world.url}/admin`)).html).not.toContain('tailspin');
  });

  it('a partner-admin reaches every customer of its partner, and no other organization', async () => {
    const pat = await world.signIn(people.partnerAdmin);
    expect((await pat.request(`${world.url}/admin/orgs/fabrikam`)).status).toBe(200);
    expect((await pat.request(`${world.url}/admin/orgs/tailspin`)).status).toBe(200);
    expect((await pat.request(`${world.url}/admin/orgs/contoso`)).status).toBe(403);
  });

  it('CSP pages: a reseller sees only the customers sold through it; other roles are refused alike', async () => {
    const fabrikam = '33333333-3333-3333-3333-333333333331';
    const tailspin = '33333333-3333-3333-3333-333333333332';
    const rita = await world.signIn(people.reseller);
    const partnerPage = await rita.follow(`${world.url}/admin/csp/alpha`);
    expect(partnerPage.response.status).toBe(200);
    expect(partnerPage.html).toContain(fabrikam);
    expect(partnerPage.html).not.toContain(tailspin);
    expect((await rita.request(`${world.url}/admin/csp/alpha/customers/${fabrikam}`)).status).toBe(200);
    // Another reseller's customer, by tenant id or domain, an unknown one and another partner: refused alike.
    for (const path of [`/admin/csp/alpha/customers/${tailspin}`, '/admin/csp/alpha/customers/tailspin.onmicrosoft.com', '/admin/csp/alpha/customers/44444444-4444-4444-4444-444444444444', `/admin/csp/beta/customers/${fabrikam}`, '/admin/csp/beta']) {
      expect((await rita.request(`${world.url}${path}`)).status, path).toBe(403);
    }
    const api = await rita.request(`${world.url}/admin/api/csp/alpha`, { headers: json });
    expect(JSON.stringify(await api.json())).not.toContain(tailspin);
    expect((await rita.request(`${world.url}/admin/api/csp/alpha/customers/${tailspin}`, { headers: json })).status).toBe(403);

    const alice = await world.signIn(people.orgAdmin);
    for (const path of ['/admin/csp/alpha', `/admin/csp/alpha/customers/${fabrikam}`]) {
      expect((await alice.request(`${world.url}${path}`)).status, path).toBe(403);
    }
    expect((await alice.follow(`${world.url}/admin/csp`)).html).not.toContain('alpha');

    const pat = await world.signIn(people.partnerAdmin);
    const all = await pat.follow(`${world.url}/admin/csp/alpha`);
    expect(all.html).toContain(fabrikam);
    expect(all.html).toContain(tailspin);
    expect(all.html).toContain('id="token-health"');
  });
});
