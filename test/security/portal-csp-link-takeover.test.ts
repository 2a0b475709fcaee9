/**
 * Threat: a partner-admin (or operator-less reseller) takes over an organization it does not
 * administer by linking one of its CSP customers to it from the portal: partner-admin and reseller
 * grants reach the organizations linked to their customers, so a link is a grant.
 * Invariant: the portal links (and creates a customer linked to) only an organization the admin
 * already administers in full; any other, known or not, is refused (403) and nothing is linked, so
 * the admin's reach does not grow. The operator links any.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findCustomerByDomain } from '../../csp/data/customers.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';

describe('portal CSP: linking a customer is not a way into an organization', () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
  });
  afterAll(async () => world.stop());
  const fabrikam = '33333333-3333-3333-3333-333333333331';
  const linkedOrg = async (domain: string) => (await findCustomerByDomain(world.lanyard.context.db, domain))!.organizationId;

  it('a partner-admin cannot link its customer to an organization outside its scope, nor create one linked to it', async () => {
    const pat = await world.signIn(people.partnerAdmin);
    const csrf = await csrfOf(pat, world.url);
    expect((await pat.request(`${world.url}/admin/orgs/contoso`)).status).toBe(403);
    // Unlinking its own customer is allowed (it only narrows its reach)…
    expect((await pat.request(`${world.url}/admin/csp/alpha/customers/${fabrikam}/unlink`, { form: { csrf } })).status).toBe(303);
    expect(await linkedOrg('fabrikam.onmicrosoft.com')).toBeNull();
    // …but linking it to contoso (never in scope), or back to fabrikam (no longer in scope), is refused.
    for (const org of ['contoso', 'fabrikam', 'no-such-org']) {
      for (const base of ['/admin/csp', '/admin/api/csp']) {
        const refused = await pat.request(`${world.url}${base}/alpha/customers/${fabrikam}/link`, { form: { csrf, org }, headers: { accept: 'application/json' } });
        expect(refused.status, `${base} ${org}`).toBe(403);
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ADMIN_FORBIDDEN');
      }
    }
    const create = await pat.request(`${world.url}/admin/api/csp/alpha/customers`, {
      form: { csrf, company: 'Contoso', domainPrefix: 'contosotakeover', email: 'it@contoso.example', country: 'DE', firstName: 'A', lastName: 'B', address: 'Street 1', city: 'Berlin', postalCode: '10115', organization: 'contoso' },
      headers: { accept: 'application/json' },
    });
    expect(create.status).toBe(403);
    expect(await findCustomerByDomain(world.lanyard.context.db, 'contosotakeover.onmicrosoft.com')).toBeUndefined();
    expect(await linkedOrg('fabrikam.onmicrosoft.com')).toBeNull();
    expect((await pat.request(`${world.url}/admin/orgs/contoso`)).status).toBe(403);
    expect((await pat.request(`${world.url}/admin/orgs/fabrikam`)).status).toBe(403);
  });

  it('the operator links it back', async () => {
    const op = await world.signIn(people.operator);
    const csrf = await csrfOf(op, world.url);
    expect((await op.request(`${world.url}/admin/csp/alpha/customers/${fabrikam}/link`, { form: { csrf, org: 'fabrikam' } })).status).toBe(303);
    expect(await linkedOrg('fabrikam.onmicrosoft.com')).toBe((await findOrganizationBySlug(world.lanyard.context.db, 'fabrikam'))!.id);
  });
});
