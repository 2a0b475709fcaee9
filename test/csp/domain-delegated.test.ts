import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCustomerSeed, customerSchema } from '../../emulator/partner-center/seed.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import { findTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import { runCli } from '../harness/cli.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { seedOrganization } from '../harness/seed.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';

/**
 * `csp domain add` through the partner's delegated access: a customer imported from Partner Center
 * and linked to an organization without a tenant connection, its domain written to PowerDNS,
 * verified by the emulator through that PowerDNS, and set up; no app registration in the tenant.
 */
describe('csp domain add through delegated access', () => {
  let pdns: PowerDnsServer;
  let world: CspWorld;
  let tenant: Tenant;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli([...args, '--json'], env);

  beforeAll(async () => {
    pdns = await startPowerDns();
    world = await startCspWorld('sqlite', {
      env: { LANYARD_DNS_PROVIDER: 'powerdns', LANYARD_POWERDNS_URL: pdns.apiUrl, LANYARD_POWERDNS_API_KEY: pdns.apiKey, LANYARD_DNS_RESOLVERS: pdns.dnsServer },
    });
    expect((await world.control('/dns-server', 'PUT', { server: pdns.dnsServer })).status).toBe(200);
    env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
    const partner = world.partnerTenant;
    tenant = applyTenantSeed(
      world.emulator.state,
      tenantSchema.parse({
        name: 'contosocsp',
        users: [{ userPrincipalName: 'admin@contosocsp.onmicrosoft.com', directoryRoles: ['Global Administrator'] }],
        consents: [{ clientId: partner.apps[0]!.clientId, scopes: ['https://graph.microsoft.com/Domain.ReadWrite.All'] }],
      }),
    );
    applyCustomerSeed(world.emulator.state, customerSchema.parse({ tenant: tenant.id, partner: partner.id }));
    await seedOrganization(world.lanyard.context, { slug: 'contoso', domain: 'contoso-org.example' });
    const imported = await cli(['csp', 'customer', 'import', world.partnerSlug]);
    expect(imported.code, imported.stderr).toBe(0);
    const linked = await cli(['csp', 'customer', 'link', 'contosocsp.onmicrosoft.com', '--org', 'contoso']);
    expect(linked.code, linked.stderr).toBe(0);
    await pdns.createZone('contosocsp.test');
  });
  afterAll(async () => {
    await world?.stop();
    await pdns?.stop();
  });

  it('adds, writes, verifies and sets up the domain with the partner’s token, and lists it', async () => {
    const added = await cli(['csp', 'domain', 'add', 'contosocsp.onmicrosoft.com', 'contosocsp.test']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({ domain: 'contosocsp.test', state: 'verified', hostedZone: 'contosocsp.test' });
    expect(tenant.domains.get('contosocsp.test')!.isVerified).toBe(true);
    const organization = (await world.lanyard.context.db.selectFrom('organizations').selectAll().where('slug', '=', 'contoso').executeTakeFirst())!;
    expect(await findTenantConnection(world.lanyard.context.db, organization.id)).toBeUndefined();

    const listed = await cli(['csp', 'domain', 'list', 'contosocsp.onmicrosoft.com']);
    expect(listed.json()).toEqual([expect.objectContaining({ domain: 'contosocsp.test', state: 'verified', attempts: 0 })]);
  });
});
