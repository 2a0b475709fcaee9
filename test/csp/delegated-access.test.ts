import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { createDelegatedTenantAccess } from '../../csp/customers/delegated-tenant-access.ts';
import { findPartnerBySlug } from '../../csp/data/partners.ts';
import { applyCustomerSeed, customerSchema } from '../../emulator/partner-center/seed.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import { findTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import { runCli } from '../harness/cli.ts';
import { seedOrganization } from '../harness/seed.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';

const graphScope = 'https://graph.microsoft.com/.default';

/**
 * Delegated tenant access: an organization linked to a CSP customer reaches the customer's tenant
 * through the partner's refresh token redeemed at the customer tenant's authority, with no app
 * registration and no `tenant connect` — `lanyard federate` and `lanyard users export` run against
 * the emulator's Graph that way, as CLI processes. The rotated refresh token is stored back.
 */
describe('CSP delegated tenant access', () => {
  let world: CspWorld;
  let adatum: Tenant;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli([...args, '--json'], env);

  /** A customer tenant of the partner with a custom domain and users; `consented`: the partner app is consented there for Graph. */
  function customerTenant(name: string, consented: boolean): Tenant {
    const partner = world.partnerTenant;
    const tenant = applyTenantSeed(
      world.emulator.state,
      tenantSchema.parse({
        name,
        domains: [{ id: `${name}.example`, isVerified: true }],
        users: [
          { userPrincipalName: `admin@${name}.onmicrosoft.com`, directoryRoles: ['Global Administrator'] },
          { userPrincipalName: `cleo@${name}.onmicrosoft.com`, displayName: 'Cleo' },
        ],
        consents: consented ? [{ clientId: partner.apps[0]!.clientId, scopes: ['https://graph.microsoft.com/User.ReadWrite.All', 'https://graph.microsoft.com/Domain.ReadWrite.All', 'https://graph.microsoft.com/Directory.Read.All'] }] : [],
      }),
    );
    applyCustomerSeed(world.emulator.state, customerSchema.parse({ tenant: tenant.id, partner: partner.id }));
    return tenant;
  }

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
    adatum = customerTenant('adatumcsp', true);
    customerTenant('tailspincsp', false);
    await seedOrganization(world.lanyard.context, { slug: 'adatum', domain: 'adatumcsp.example' });
    await seedOrganization(world.lanyard.context, { slug: 'tailspin', domain: 'tailspincsp.example' });
    const imported = await cli(['csp', 'customer', 'import', world.partnerSlug]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json().counts.created).toBe(2);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('without a link, the organization has no tenant: TENANT_NOT_CONNECTED', async () => {
    const result = await cli(['federate', 'adatumcsp.example', '--dry-run']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr).error.code).toBe('TENANT_NOT_CONNECTED');
  });

  it('a linked customer\'s organization runs `federate --dry-run` and `users export --dry-run` through delegated access', async () => {
    const linked = await cli(['csp', 'customer', 'link', 'adatumcsp.onmicrosoft.com', '--org', 'adatum']);
    expect(linked.code, linked.stderr).toBe(0);
    expect(linked.json()).toMatchObject({ organization: 'adatum', tenantId: adatum.id });
    const before = (await world.partner()).refreshTokenSealed;

    const federate = await cli(['federate', 'adatumcsp.example', '--dry-run']);
    expect(federate.code, federate.stderr).toBe(0);
    const report = federate.json();
    expect(report).toMatchObject({ domain: 'adatumcsp.example', tenantId: adatum.id, dryRun: true, action: 'create' });
    expect(report.checks.find((check: { id: string }) => check.id === 'domain-in-tenant')).toMatchObject({ ok: true });

    const exported = await cli(['users', 'export', 'adatum', '--dry-run']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.json().run).toMatchObject({ kind: 'export', dryRun: true, status: 'completed' });

    // No tenant connection was made, and the partner's refresh token was rotated and stored back.
    const organization = (await world.lanyard.context.db.selectFrom('organizations').selectAll().where('slug', '=', 'adatum').executeTakeFirst())!;
    expect(await findTenantConnection(world.lanyard.context.db, organization.id)).toBeUndefined();
    const after = (await world.partner()).refreshTokenSealed;
    expect(after).not.toBe(before);
    const tokens = (await listAuditEvents(world.lanyard.context.db, {})).filter((event) => event.action === 'csp.customer.delegated-token' && event.outcome === 'success');
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    // The stored token is the live one: the partner's own refresh works with it.
    const refresh = await cli(['csp', 'partner', 'refresh', world.partnerSlug]);
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(refresh.json().state).toBe('valid');
  });

  it('a customer tenant where the partner app is not consented is refused with the AADSTS code, and the partner token stays valid', async () => {
    expect((await cli(['csp', 'customer', 'link', 'tailspincsp.onmicrosoft.com', '--org', 'tailspin'])).code).toBe(0);
    const result = await cli(['federate', 'tailspincsp.example', '--dry-run']);
    expect(result.code).toBe(1);
    const error = JSON.parse(result.stderr).error;
    expect(error.code).toBe('CSP_TOKEN_REFUSED');
    expect(String(error.message)).toContain('tailspincsp.onmicrosoft.com');
    expect((await findPartnerBySlug(world.lanyard.context.db, world.partnerSlug))?.tokenState).toBe('valid');
  });

  it('`csp customer consent-app` consents the partner app through Partner Center (nothing seeded), idempotently; then `users export --dry-run` works for the linked org', async () => {
    const fourth = customerTenant('fourthcoffeecsp', false);
    await seedOrganization(world.lanyard.context, { slug: 'fourthcoffee', domain: 'fourthcoffeecsp.example' });
    expect((await cli(['csp', 'customer', 'import', world.partnerSlug])).code).toBe(0);
    expect((await cli(['csp', 'customer', 'link', 'fourthcoffeecsp.onmicrosoft.com', '--org', 'fourthcoffee'])).code).toBe(0);
    // Before the consent: the app has no service principal in the customer tenant (AADSTS7000229).
    const before = await cli(['users', 'export', 'fourthcoffee', '--dry-run']);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('AADSTS7000229');

    const consented = await cli(['csp', 'customer', 'consent-app', 'fourthcoffeecsp.onmicrosoft.com']);
    expect(consented.code, consented.stderr).toBe(0);
    expect(consented.json()).toMatchObject({ outcome: 'consented', tenantId: fourth.id, applicationId: world.partnerTenant.apps[0]!.clientId, partner: world.partnerSlug });
    const inPartnerCenter = world.emulator.state.partnerCenter.customers.get(fourth.id)!.applicationConsents.get(world.partnerTenant.apps[0]!.clientId);
    expect(JSON.stringify(inPartnerCenter?.applicationGrants)).toContain('User.ReadWrite.All');
    // Again: Partner Center's 409 "already exists" is success.
    const again = await cli(['csp', 'customer', 'consent-app', 'fourthcoffeecsp.onmicrosoft.com']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().outcome).toBe('already-consented');

    const exported = await cli(['users', 'export', 'fourthcoffee', '--dry-run']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.json().run).toMatchObject({ kind: 'export', dryRun: true, status: 'completed' });
    const audit = (await listAuditEvents(world.lanyard.context.db, {})).filter((event) => event.action === 'csp.customer.consent-app');
    expect(audit.map((event) => event.outcome)).toEqual(['success', 'success']);
    expect((await cli(['csp', 'customer', 'consent-app', 'nosuch.onmicrosoft.com'])).code).toBe(1);
  });

  it('shares one redemption between concurrent token requests and caches the token', async () => {
    const access = createDelegatedTenantAccess({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: { now: () => new Date(), sleep: async () => {} } });
    const organization = (await world.lanyard.context.db.selectFrom('organizations').selectAll().where('slug', '=', 'adatum').executeTakeFirst())!;
    const tenant = await access.forOrganization(organization.id);
    expect(tenant?.tenantId).toBe(adatum.id);
    const countBefore = (await listAuditEvents(world.lanyard.context.db, {})).filter((event) => event.action === 'csp.customer.delegated-token').length;
    const [a, b] = await Promise.all([tenant!.accessToken(graphScope), tenant!.accessToken(graphScope)]);
    expect(a).toBe(b);
    expect(await tenant!.accessToken(graphScope)).toBe(a);
    const countAfter = (await listAuditEvents(world.lanyard.context.db, {})).filter((event) => event.action === 'csp.customer.delegated-token').length;
    expect(countAfter - countBefore).toBe(1);
    const claims = JSON.parse(Buffer.from(a.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ tid: adatum.id, aud: 'https://graph.microsoft.com' });
    const unlinked = (await world.lanyard.context.db.selectFrom('organizations').selectAll().where('slug', '=', 'tailspin').executeTakeFirst())!;
    expect((await cli(['csp', 'customer', 'unlink', 'tailspincsp.onmicrosoft.com'])).code).toBe(0);
    expect(await access.forOrganization(unlinked.id)).toBeUndefined();
  });

  it('an expired partner refresh token (AADSTS700082) at the customer tenant is recorded on the partner and dropped', async () => {
    const expired = await world.control(`/tenants/${world.partnerTenant.id}/users/${world.agentUpn}/expire-refresh-tokens`, 'POST');
    expect(expired.status).toBe(200);
    const result = await cli(['federate', 'adatumcsp.example', '--dry-run']);
    expect(result.code).toBe(1);
    const error = JSON.parse(result.stderr).error;
    expect(error.code).toBe('CSP_TOKEN_REFUSED');
    expect(String(error.message)).toContain('AADSTS700082');
    // Dropped: the next use says to consent again rather than trying the dead token.
    const next = await cli(['users', 'export', 'adatum', '--dry-run']);
    expect(next.code).toBe(1);
    expect(next.stderr).toContain('csp partner consent');
    const partner = await world.partner();
    expect(partner).toMatchObject({ tokenState: 'expired', tokenErrorCode: 'AADSTS700082', refreshTokenSealed: null });
    const status = await cli(['csp', 'partner', 'status', world.partnerSlug]);
    expect(status.json()).toMatchObject({ state: 'expired' });
  });
});

