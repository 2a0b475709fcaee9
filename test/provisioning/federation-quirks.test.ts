import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../core/secret-box.ts';
import type { Db } from '../../core/db/database.ts';
import { saveTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import type { GraphQuirks } from '../../emulator/graph/quirks.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { addDomain } from '../../idp/accounts/domains.ts';
import { createOrganization } from '../../idp/accounts/organizations.ts';
import { federateDomain, type FederationDeps } from '../../provisioning/federation/federate.ts';
import { unfederateDomain } from '../../provisioning/federation/unfederate.ts';
import { tenantSecretContext } from '../../provisioning/tenant/graph-client.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant, startTrustedEmulator } from '../emulator/harness.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/**
 * Graph's federation quirks, each switched on in the emulator: 404 Request_ResourceNotFound instead of
 * an empty federationConfiguration list, authenticationType=Managed deleting the configuration by
 * itself, and deleting the configuration making the domain Managed. The invariant: `federate` and
 * `unfederate` succeed under each, leave the tenant in the state they promise (Federated with
 * Lanyard's configuration; Managed with none left), and running either again is a no-op success.
 */
let emulator: RunningEmulator;
let sequence = 0;
const publicUrl = 'https://idp.test';
const quirks: readonly (keyof GraphQuirks)[] = [
  'federationConfigurationNotFoundWhenNone',
  'managedDeletesFederationConfiguration',
  'deletingFederationConfigurationMakesManaged',
];

beforeAll(async () => {
  emulator = await startTrustedEmulator();
});
afterAll(async () => {
  await emulator.close();
});

async function control(path: string, method: string, body?: unknown): Promise<void> {
  const response = await fetch(`${emulator.baseUrl}/_emulator/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`emulator control ${path} refused: ${response.status} ${await response.text()}`);
}
const switchOn = (quirk: keyof GraphQuirks) => control('quirks', 'PUT', { [quirk]: true });

/** A Lanyard organization with domain `<slug>.test`, connected to a fresh tenant holding that domain and a break-glass admin. */
async function connectedDomain(db: Db): Promise<{ deps: FederationDeps; domain: string }> {
  sequence += 1;
  const slug = `q${sequence}-${randomBytes(3).toString('hex')}`;
  const domain = `${slug}.test`;
  const seeded = seedTenant(emulator, slug, federationAppRoles, {
    domains: [{ id: domain }],
    users: [{ userPrincipalName: `breakglass@${slug}.onmicrosoft.com`, directoryRoles: ['Global Administrator'] }],
  });
  const organization = await createOrganization(db, { slug, name: `${slug} Ltd` }, 'test');
  await addDomain(db, publicUrl, { organization: slug, name: domain }, 'test');
  const masterKey = randomBytes(32);
  const secretBox = createSecretBox(masterKey);
  await saveTenantConnection(db, {
    organizationId: organization.id,
    tenantId: seeded.tenant.id,
    clientId: seeded.clientId,
    clientSecretEncrypted: secretBox.seal(seeded.clientSecret, tenantSecretContext(organization.id)),
  });
  const deps: FederationDeps = { db, masterKey, secretBox, config: { microsoftLoginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl, publicUrl } };
  return { deps, domain };
}

function tenantSide(domain: string) {
  const found = emulator.state.findDomain(domain)!.domain;
  return { authenticationType: found.authenticationType, issuerUri: found.federationConfiguration?.issuerUri };
}

describe.each(dialects)('federate and unfederate under Graph quirks on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.drop();
  });
  afterEach(async () => {
    await control('quirks', 'PUT', Object.fromEntries(quirks.map((quirk) => [quirk, false])));
    await control('faults', 'DELETE');
  });

  const federate = (deps: FederationDeps, domain: string) => federateDomain(deps, { domain, dryRun: false }, 'test');
  const unfederate = (deps: FederationDeps, domain: string) => unfederateDomain(deps, { domain, dryRun: false }, 'test');

  it.each(quirks)('federate with %s: federates, and again changes nothing', async (quirk) => {
    const { deps, domain } = await connectedDomain(database.db);
    await switchOn(quirk);
    const first = await federate(deps, domain);
    expect([first.action, first.result?.authenticationType]).toEqual(['create', 'Federated']);
    const again = await federate(deps, domain);
    expect([again.action, again.result]).toEqual(['update', first.result]);
    expect(tenantSide(domain)).toEqual({ authenticationType: 'Federated', issuerUri: `${publicUrl}/federation/${domain}` });
  });

  it.each(quirks)('unfederate with %s: Managed with no configuration left, again a no-op, and federate works after it', async (quirk) => {
    const { deps, domain } = await connectedDomain(database.db);
    await federate(deps, domain);
    await switchOn(quirk);
    const first = await unfederate(deps, domain);
    expect([first.action, first.authenticationType]).toEqual(['convert', 'Managed']);
    expect(tenantSide(domain)).toEqual({ authenticationType: 'Managed', issuerUri: undefined });
    const again = await unfederate(deps, domain);
    expect([again.action, again.authenticationType]).toEqual(['none', 'Managed']);
    const refederated = await federate(deps, domain);
    expect([refederated.action, refederated.result?.authenticationType]).toEqual(['create', 'Federated']);
  });

  it('unfederate accepts a configuration that is already gone when it deletes it (404 on DELETE)', async () => {
    const { deps, domain } = await connectedDomain(database.db);
    await federate(deps, domain);
    await control('faults', 'POST', { pathPattern: `^/v1\\.0/domains/${domain.replace(/\./g, '\\.')}/federationConfiguration/`, method: 'DELETE', status: 404 });
    expect((await unfederate(deps, domain)).action).toBe('convert');
    expect(tenantSide(domain).authenticationType).toBe('Managed');
  });

  it('unfederate finishes a domain left Managed with its configuration still there', async () => {
    const { deps, domain } = await connectedDomain(database.db);
    await federate(deps, domain);
    emulator.state.findDomain(domain)!.domain.authenticationType = 'Managed';
    await switchOn('deletingFederationConfigurationMakesManaged');
    expect((await unfederate(deps, domain)).action).toBe('convert');
    expect(tenantSide(domain)).toEqual({ authenticationType: 'Managed', issuerUri: undefined });
  });
});
