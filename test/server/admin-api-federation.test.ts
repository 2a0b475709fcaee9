import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../api/api-tokens.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant } from '../emulator/harness.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';
import { apiClient, expectDeclaredAnswer } from './admin-api-kit.ts';

/**
 * Domains & federation over the admin API against the Entra/Graph emulator: the pre-flight (the
 * checklist and the Graph body, nothing written), federating and unfederating with an admin's
 * session, and an API token that may look at the pre-flight but not federate (a dangerous action).
 */
describe('admin API federation against the Microsoft 365 emulator', () => {
  let world: PortalWorld;
  let token: string;
  const tenantDomain = () => world.stack!.emulator.state.findDomain('contoso.com')!.domain;

  beforeAll(async () => {
    world = await startPortalWorld('sqlite', {}, { emulator: true });
    const context = world.lanyard.context;
    const contosoPeople = await Promise.all([people.orgAdmin, people.contosoUser].map((upn) => findUserByUpn(context.db, upn)));
    const tenant = seedTenant(world.stack!.emulator, 'contoso', federationAppRoles, {
      domains: [{ id: 'contoso.com' }],
      users: [
        { userPrincipalName: 'breakglass@contoso.onmicrosoft.com', directoryRoles: ['Global Administrator'] },
        ...contosoPeople.map((user) => ({ userPrincipalName: user!.upn, onPremisesImmutableId: user!.immutableId })),
      ],
    });
    await connectTenant(context, { organization: 'contoso', tenantId: tenant.tenant.id, clientId: tenant.clientId, clientSecret: tenant.clientSecret }, 'test');
    token = (await createApiToken(context.db, 'contoso', 'ops', 'test')).secret;
  }, 90_000);
  afterAll(async () => world?.stop());

  it('shows the pre-flight, federates and unfederates with the admin\'s session; a token only looks', async () => {
    const call = apiClient(world.url, { browser: await world.signIn(people.orgAdmin) });
    const csrf = (await call('GET', '/session')).json.csrfToken as string;
    const byToken = apiClient(world.url, { token });

    const preflight = await call('GET', '/orgs/contoso/domains/contoso.com/federation-preflight?protocol=saml&mfaBehavior=enforce');
    expect(preflight.status).toBe(200);
    expectDeclaredAnswer('previewFederation', preflight.json);
    expect(preflight.json).toMatchObject({ ready: true, report: { domain: 'contoso.com', dryRun: true, protocol: 'saml', mfaBehavior: 'enforce' } });
    expect(preflight.json.report.checks.every((check: { ok: boolean }) => check.ok)).toBe(true);
    expect(preflight.json.report.body).toMatchObject({ issuerUri: expect.stringContaining('/federation/contoso.com') });
    expect(tenantDomain().authenticationType).toBe('Managed');
    expect((await byToken('GET', '/domains/contoso.com/federation-preflight')).json).toMatchObject({ ready: true });
    const tokenFederates = await byToken('POST', '/orgs/contoso/domains/contoso.com/federate', { body: {} });
    expect(tokenFederates.json).toMatchObject({ error: { code: 'ADMIN_FORBIDDEN', details: { action: 'domains.federate' } } });
    expect((await byToken('POST', '/domains/contoso.com/federate', { body: {} })).status).toBe(404);
    expect(tenantDomain().authenticationType).toBe('Managed');

    const federated = await call('POST', '/orgs/contoso/domains/contoso.com/federate', { csrf, body: { protocol: 'saml', mfaBehavior: 'enforce' } });
    expect(federated.status).toBe(200);
    expectDeclaredAnswer('federateDomain', federated.json);
    expect(federated.json).toMatchObject({ dryRun: false, protocol: 'saml', result: { authenticationType: 'Federated' } });
    expect(tenantDomain().authenticationType).toBe('Federated');
    expect(tenantDomain().federationConfiguration?.issuerUri).toBe(preflight.json.report.body.issuerUri);
    const listed = await call('GET', '/orgs/contoso/domains');
    expect(listed.json.domains.find((domain: { name: string }) => domain.name === 'contoso.com')).toMatchObject({ federated: true, protocol: 'saml' });

    const unpreview = await call('GET', '/orgs/contoso/domains/contoso.com/unfederation-preflight');
    expectDeclaredAnswer('previewUnfederation', unpreview.json);
    expect(unpreview.json).toMatchObject({ dryRun: true, action: 'convert' });
    expect(tenantDomain().authenticationType).toBe('Federated');
    const unfederated = await call('POST', '/orgs/contoso/domains/contoso.com/unfederate', { csrf });
    expectDeclaredAnswer('unfederateDomain', unfederated.json);
    expect(unfederated.json).toMatchObject({ dryRun: false, action: 'convert', authenticationType: 'Managed' });
    expect(tenantDomain().authenticationType).toBe('Managed');
  });
});
