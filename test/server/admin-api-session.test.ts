import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../api/api-tokens.ts';
import { errorShape } from '../../api/shapes.ts';
import { findMfaCredential } from '../../core/db/mfa-credentials.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';
import type { BrowserClient } from '../harness/browser-client.ts';
import { apiClient, expectDeclaredAnswer } from './admin-api-kit.ts';

/**
 * The admin API with an admin's portal session beside API tokens: the organization named in the
 * path, the portal's one rule asked for every call (org-admin, reseller, operator, token), CSRF
 * in a header for unsafe calls, a fresh second factor for dangerous ones, and the organization's
 * pages' actions (users, domains, directory agents, audit) answered in their declared shapes.
 */
describe('admin API with admin sessions and tokens', () => {
  let world: PortalWorld;
  let contosoToken: string;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
    contosoToken = (await createApiToken(world.lanyard.context.db, 'contoso', 'ops', 'test')).secret;
  });
  afterAll(async () => world?.stop());

  // One sign-in per person (each takes a TOTP code, and a person has only three codes a half-minute).
  const sessions = new Map<string, ReturnType<typeof apiClient>>();
  const asAdmin = async (upn: string) => {
    if (!sessions.has(upn)) sessions.set(upn, apiClient(world.url, { browser: await world.signIn(upn) }));
    const call = sessions.get(upn)!;
    const session = await call('GET', '/session');
    expect(session.status).toBe(200);
    expectDeclaredAnswer('getCaller', session.json);
    return { call, csrf: session.json.csrfToken as string };
  };
  const token = () => apiClient(world.url, { token: contosoToken });

  it('answers the signed-in admin: who they are, the organizations they reach, an organization by name', async () => {
    const { call } = await asAdmin(people.orgAdmin);
    expect((await call('GET', '/session')).json).toMatchObject({ kind: 'session', upn: people.orgAdmin, roles: ['org-admin'], freshSecondFactor: true });
    const organizations = await call('GET', '/orgs');
    expectDeclaredAnswer('listOrganizations', organizations.json);
    expect(organizations.json.organizations.map((organization: { slug: string }) => organization.slug)).toEqual(['contoso']);
    const organization = await call('GET', '/orgs/contoso');
    expect(organization.status).toBe(200);
    expectDeclaredAnswer('getOrganization', organization.json);
    expect(organization.json).toMatchObject({ slug: 'contoso', domains: [{ name: 'contoso.com' }] });
    const overview = await call('GET', '/orgs/contoso/overview');
    expectDeclaredAnswer('getOrganizationOverview', overview.json);
    const users = await call('GET', '/orgs/contoso/users?q=bob');
    expectDeclaredAnswer('listUsers', users.json);
    expect(users.json.users.map((user: { upn: string }) => user.upn)).toEqual([people.contosoUser]);
  });

  it('answers 401 ADMIN_SESSION_REQUIRED once the session has ended (signed out), and nothing else', async () => {
    const browser = await world.signIn(people.fabrikamAdmin);
    const cookie = browser.cookie('lanyard_admin')!;
    const call = apiClient(world.url, { browser: { cookie: () => cookie } as unknown as BrowserClient });
    const { csrfToken } = (await call('GET', '/session')).json;
    expect((await browser.request(`${world.url}/admin/signout`, { form: { csrf: csrfToken } })).status).toBe(303);
    for (const answer of [await call('GET', '/orgs/fabrikam/users'), await call('POST', '/orgs/fabrikam/domains', { csrf: csrfToken, body: { name: 'late.fabrikam.com' } })]) {
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ error: { code: 'ADMIN_SESSION_REQUIRED' } });
    }
  });

  it('refuses what the rule refuses: another organization, a session on a token\'s path, a reseller\'s dangerous action', async () => {
    const { call, csrf } = await asAdmin(people.orgAdmin);
    for (const path of ['/orgs/fabrikam', '/orgs/fabrikam/users', '/orgs/no-such-org/users', '/installation/audit', '/installation/signing-keys']) {
      const refused = await call('GET', path);
      expect(refused.status, path).toBe(403);
      expect(refused.json).toMatchObject({ error: { code: 'ADMIN_FORBIDDEN' } });
      expect(errorShape.parse(refused.json)).toEqual(refused.json);
    }
    const implicit = await call('GET', '/users');
    expect(implicit.status).toBe(400);
    expect(implicit.json).toMatchObject({ error: { code: 'API_ORGANIZATION_REQUIRED' } });

    const reseller = await asAdmin(people.reseller);
    expect((await reseller.call('GET', '/orgs/fabrikam/users')).status).toBe(200);
    expect((await reseller.call('GET', '/orgs/tailspin/users')).status).toBe(403);
    const fiona = await world.userId(people.fabrikamUser);
    const resetMfa = await reseller.call('POST', `/orgs/fabrikam/users/${fiona}/reset-mfa`, { csrf: reseller.csrf });
    expect(resetMfa.status).toBe(403);
    expect(resetMfa.json).toMatchObject({ error: { code: 'ADMIN_FORBIDDEN', details: { action: 'users.reset-mfa' } } });
    expect(await findMfaCredential(world.lanyard.context.db, fiona)).toBeDefined();
    // The org-admin of contoso cannot reach fabrikam's user through contoso's path either.
    const crossed = await call('POST', `/orgs/contoso/users/${fiona}/disable`, { csrf });
    expect(crossed.status).toBe(404);
    expect(crossed.json).toMatchObject({ error: { code: 'USER_NOT_FOUND' } });

    const operator = await asAdmin(people.operator);
    const everything = await operator.call('GET', '/installation/audit?action=admin.grant');
    expect(everything.status).toBe(200);
    expectDeclaredAnswer('queryInstallationAudit', everything.json);
    expect(everything.json.events.length).toBeGreaterThanOrEqual(5);
  });

  it('keeps an API token to its organization and out of installation-wide and dangerous actions', async () => {
    const call = token();
    expect((await call('GET', '/session')).json).toEqual({ kind: 'token', name: 'ops', organization: 'contoso' });
    expect((await call('GET', '/orgs')).json).toEqual({ organizations: [{ slug: 'contoso', name: expect.any(String) }] });
    expect((await call('GET', '/orgs/contoso/users')).status).toBe(200);
    const users = await call('GET', '/users?limit=1');
    expectDeclaredAnswer('listUsersForToken', users.json);
    for (const path of ['/orgs/fabrikam/users', '/installation/audit', '/installation/signing-keys']) {
      const refused = await call('GET', path);
      expect(refused.status, path).toBe(403);
      expect(refused.json).toMatchObject({ error: { code: 'ADMIN_FORBIDDEN' } });
    }
    const bob = await world.userId(people.contosoUser);
    const dangerous = await call('POST', `/orgs/contoso/users/${bob}/reset-mfa`);
    expect(dangerous.status).toBe(403);
    expect(dangerous.json).toMatchObject({ error: { code: 'ADMIN_FORBIDDEN', details: { action: 'users.reset-mfa' } } });
    expect((await call('POST', `/users/${bob}/reset-mfa`)).status).toBe(404);
    expect(await findMfaCredential(world.lanyard.context.db, bob)).toBeDefined();
    // What an org-admin may do without a second factor, a token may do too (audited as the token).
    const disabled = await call('POST', `/users/${bob}/disable`);
    expect(disabled.status).toBe(200);
    expectDeclaredAnswer('disableUserForToken', disabled.json);
    expect(disabled.json).toMatchObject({ upn: people.contosoUser, status: 'disabled' });
    expect((await call('POST', `/users/${bob}/enable`)).json).toMatchObject({ status: 'active' });
    const audit = await call('GET', `/audit?user=${encodeURIComponent(people.contosoUser)}&actor=api:ops`);
    expect(audit.json.events.map((event: { action: string }) => event.action)).toEqual(expect.arrayContaining(['user.enable', 'user.disable']));
  });

  it('runs the users page\'s actions: add, edit, disable, enable, reset password, reset MFA, delete', async () => {
    const db = world.lanyard.context.db;
    const { call, csrf } = await asAdmin(people.orgAdmin);
    const added = await call('POST', '/orgs/contoso/users', { csrf, body: { upn: 'carol@contoso.com', displayName: 'Carol' } });
    expect(added.status).toBe(201);
    expectDeclaredAnswer('addUser', added.json);
    expect(added.json.user).toMatchObject({ upn: 'carol@contoso.com', status: 'pending', mfaEnrolled: false });
    expect(added.json.activationLink.url).toContain('/activate');
    expect(added.headers.get('cache-control')).toBe('no-store');
    const id = added.json.user.id as string;

    const bad = await call('POST', '/orgs/contoso/users', { csrf, body: { upn: 'x@contoso.com', admin: true } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'API_REQUEST_INVALID', details: { field: '(body)' } } });
    const badField = await call('PATCH', `/orgs/contoso/users/${id}`, { csrf, body: { displayName: 7 } });
    expect(badField.json).toMatchObject({ error: { code: 'API_REQUEST_INVALID', details: { field: 'displayName' } } });
    const badQuery = await call('GET', '/orgs/contoso/users?limit=5000');
    expect(badQuery.json).toMatchObject({ error: { code: 'API_REQUEST_INVALID', details: { in: 'query', field: 'limit' } } });

    const edited = await call('PATCH', `/orgs/contoso/users/${id}`, { csrf, body: { displayName: 'Carol King' } });
    expectDeclaredAnswer('editUser', edited.json);
    expect(edited.json.displayName).toBe('Carol King');
    expect((await call('POST', `/orgs/contoso/users/${id}/disable`, { csrf })).json.status).toBe('disabled');
    expect((await call('POST', `/orgs/contoso/users/${id}/enable`, { csrf })).json.status).toBe('active');
    const reset = await call('POST', `/orgs/contoso/users/${id}/reset-password`, { csrf });
    expect(reset.status).toBe(200);
    expectDeclaredAnswer('resetUserPassword', reset.json);
    expect(reset.json.activationLink.upn).toBe('carol@contoso.com');

    // Past the re-authentication window a dangerous action needs a fresh code.
    const bob = await world.userId(people.contosoUser);
    await world.clock.advance((world.lanyard.context.config.portal.reauthMinutes + 1) * 60_000);
    const stale = await call('POST', `/orgs/contoso/users/${bob}/reset-mfa`, { csrf });
    expect(stale.status).toBe(403);
    expect(stale.json).toMatchObject({ error: { code: 'ADMIN_REAUTH_REQUIRED' } });
    expect(await findMfaCredential(db, bob)).toBeDefined();
    const fresh = await call('POST', `/orgs/contoso/users/${bob}/reset-mfa`, { csrf, totp: await world.code(people.orgAdmin, world.clock.now()) });
    expect(fresh.status).toBe(200);
    expectDeclaredAnswer('resetUserMfa', fresh.json);
    expect(fresh.json.mfaEnrolled).toBe(false);
    expect(await findMfaCredential(db, bob)).toBeUndefined();

    const deleted = await call('DELETE', `/orgs/contoso/users/${id}`, { csrf });
    expect(deleted.status).toBe(204);
    expect(await findUserByUpn(db, 'carol@contoso.com')).toBeUndefined();
    const self = await call('DELETE', `/orgs/contoso/users/${await world.userId(people.orgAdmin)}`, { csrf });
    expect(self.json).toMatchObject({ error: { code: 'ADMIN_SELF_DELETE' } });

    const policy = await call('PUT', '/orgs/contoso/mfa-policy', { csrf, body: { policy: 'optional' } });
    expectDeclaredAnswer('setOrganizationMfaPolicy', policy.json);
    expect((await findOrganizationBySlug(db, 'contoso'))!.mfaPolicy).toBe('optional');

    const audit = await call('GET', `/orgs/contoso/audit?actor=${encodeURIComponent(`user:${people.orgAdmin}`)}`);
    expectDeclaredAnswer('queryAudit', audit.json);
    expect(audit.json.events.map((event: { action: string }) => event.action)).toEqual(expect.arrayContaining(['user.edit', 'user.password-reset', 'user.mfa-reset']));
  });

  it('runs the domains and directory agents pages\' actions', async () => {
    const { call, csrf } = await asAdmin(people.orgAdmin);
    const added = await call('POST', '/orgs/contoso/domains', { csrf, body: { name: 'sales.contoso.com' } });
    expect(added.status).toBe(201);
    expectDeclaredAnswer('addDomain', added.json);
    expect(added.json).toMatchObject({ name: 'sales.contoso.com', federated: false });
    const domains = await call('GET', '/orgs/contoso/domains');
    expectDeclaredAnswer('listDomains', domains.json);
    expect(domains.json.domains.map((domain: { name: string }) => domain.name)).toContain('sales.contoso.com');
    expect((await call('POST', '/orgs/contoso/domains', { csrf, body: { name: 'sales.contoso.com' } })).json).toMatchObject({ error: { code: 'DOMAIN_EXISTS' } });
    // Without a connected tenant the pre-flight says so (a tenant's pre-flight is the portal's own tests').
    const preflight = await call('GET', '/orgs/contoso/domains/contoso.com/federation-preflight?protocol=saml');
    expect(preflight.json).toMatchObject({ error: { code: 'TENANT_NOT_CONNECTED' } });
    expect((await call('GET', '/orgs/contoso/domains/contoso.com/federation-preflight?protocol=oidc')).json).toMatchObject({ error: { code: 'API_REQUEST_INVALID', details: { field: 'protocol' } } });
    expect((await call('GET', '/orgs/contoso/domains/fabrikam.com/unfederation-preflight')).json).toMatchObject({ error: { code: 'DOMAIN_NOT_FOUND' } });

    const registered = await call('POST', '/orgs/contoso/directory/agents', { csrf, body: { name: 'dc-1' } });
    expect(registered.status).toBe(201);
    expectDeclaredAnswer('registerDirectoryAgent', registered.json);
    const status = await call('GET', '/orgs/contoso/directory/status');
    expectDeclaredAnswer('getDirectoryStatus', status.json);
    expect(status.json.agents.map((agent: { name: string }) => agent.name)).toContain('dc-1');
    expect((await call('POST', `/orgs/contoso/directory/agents/${registered.json.agent.id}/revoke`, { csrf })).status).toBe(204);
    expect((await call('POST', `/orgs/contoso/directory/agents/${registered.json.agent.id}/revoke`, { csrf })).json).toMatchObject({ error: { code: 'AGENT_ALREADY_REVOKED' } });
    expect((await call('POST', '/orgs/contoso/directory/confirm-deletions', { csrf })).json).toMatchObject({ error: { code: 'SYNC_NO_PENDING_DELETIONS' } });

    const runs = await call('GET', '/orgs/contoso/provisioning/runs');
    expectDeclaredAnswer('listProvisioningRuns', runs.json);
    const started = await call('POST', '/orgs/contoso/provisioning/runs', { csrf, body: { kind: 'import', dryRun: true } });
    expect(started.status).toBe(202);
    expectDeclaredAnswer('startProvisioningRun', started.json);
    expect(started.json.run).toMatchObject({ requestedBy: `api:user:${people.orgAdmin}`, trigger: 'api', dryRun: true });
    expect(started.headers.get('location')).toBe(`/api/v1/orgs/contoso/provisioning/runs/${started.json.run.id}`);
    const shown = await call('GET', `/orgs/contoso/provisioning/runs/${started.json.run.id}`);
    expectDeclaredAnswer('getProvisioningRun', shown.json);
  });

  it('lets the operator see the signing keys and take a rollover step, with a fresh second factor; no token ever', async () => {
    const operator = await asAdmin(people.operator);
    const keys = await operator.call('GET', '/installation/signing-keys');
    expect(keys.status).toBe(200);
    expectDeclaredAnswer('getSigningKeys', keys.json);
    expect(keys.json.steps[0]).toEqual({ step: 'create-next', state: 'next' });
    expect((await token()('POST', '/installation/signing-keys/rotate')).json).toMatchObject({ error: { code: 'ADMIN_FORBIDDEN' } });
    const orgAdmin = await asAdmin(people.orgAdmin);
    expect((await orgAdmin.call('POST', '/installation/signing-keys/rotate', { csrf: orgAdmin.csrf })).json).toMatchObject({ error: { code: 'ADMIN_FORBIDDEN' } });
    // The earlier test moved the clock past the operator's re-authentication window.
    expect((await operator.call('POST', '/installation/signing-keys/rotate', { csrf: operator.csrf })).json).toMatchObject({ error: { code: 'ADMIN_REAUTH_REQUIRED' } });
    const rotated = await operator.call('POST', '/installation/signing-keys/rotate', { csrf: operator.csrf, totp: await world.code(people.operator, world.clock.now()) });
    expect(rotated.status).toBe(200);
    expectDeclaredAnswer('rotateSigningKeys', rotated.json);
    expect(rotated.json).toMatchObject({ step: 'create-next' });
    expect((await operator.call('GET', '/installation/signing-keys')).json.next).toMatchObject({ state: 'next', thumbprintSha256: rotated.json.thumbprintSha256 });
  });
});
