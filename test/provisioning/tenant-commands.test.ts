import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { fetchAccessToken, graphRequest, seedTenant, startTrustedEmulator, type SeededTenant } from '../emulator/harness.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { cliEnvironment, runCli } from '../harness/cli.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { freePort } from '../harness/free-port.ts';

/**
 * `lanyard tenant connect`, `federate` and `unfederate` as real processes, with MSAL and the Graph
 * client talking to the emulator over HTTPS (NODE_EXTRA_CA_CERTS trusts its CA in the child), on
 * SQLite and on PostgreSQL, each with its own emulator (a domain lives in one tenant only).
 */

describe.each(dialects)('on %s', (dialect) => {
  let emulator: RunningEmulator;
  let seeded: SeededTenant;
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let token: string;

  const cli = (args: string[], stdin?: string) => runCli([...args, '--json'], env, stdin);
  const errorOf = (result: { stderr: string }) => JSON.parse(result.stderr).error as { code: string; message: string; details?: { host?: string; errorCode?: string; checks: { id: string; ok: boolean; message: string; fix?: string; users?: { userPrincipalName: string; problem: string; fix: string }[] }[] } };
  const emulatorDomain = (name: string) => graphRequest(emulator, token, 'GET', `/domains/${name}`).then((result) => result.body as { authenticationType: string });

  beforeAll(async () => {
    emulator = await startTrustedEmulator();
    seeded = seedTenant(emulator, 'contoso', federationAppRoles, {
      // sales. and eu.contoso.com are subdomains: they follow contoso.com's authentication.
      domains: [{ id: 'contoso.com' }, { id: 'fabrikam.com', isDefault: true }, { id: 'sales.contoso.com' }, { id: 'eu.contoso.com' }],
      users: [
        { userPrincipalName: 'ops@contoso.com', onPremisesImmutableId: 'T3BzMDAwMDAwMDAwMDAwMA==', directoryRoles: ['Global Administrator'] },
        { userPrincipalName: 'bob@contoso.com' },
        { userPrincipalName: 'carol@contoso.com', onPremisesImmutableId: 'Q2Fyb2wwMDAwMDAwMDAwMA==' },
        { userPrincipalName: 'dana@sales.contoso.com' },
      ],
    });
    token = await fetchAccessToken(emulator, seeded);
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-tenant-'));
    env = cliEnvironment(database.url, dataDir, {
      LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl,
      LANYARD_GRAPH_URL: emulator.baseUrl,
      NODE_EXTRA_CA_CERTS: emulator.caCertPath,
    });
    await cli(['org', 'create', 'contoso', '--name', 'Contoso Ltd']);
    await cli(['domain', 'add', 'contoso', 'contoso.com']);
    await cli(['domain', 'add', 'contoso', 'fabrikam.com']);
    await cli(['user', 'add', 'ops@contoso.com', '--immutable-id', 'T3BzMDAwMDAwMDAwMDAwMA==']);
    await cli(['user', 'add', 'bob@contoso.com', '--immutable-id', 'Qm9iMDAwMDAwMDAwMDAwMA==']);
  });

  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await emulator.close();
  });

  describe('lanyard tenant connect', () => {
    it('refuses federate before a tenant is connected', async () => {
      const result = await cli(['federate', 'contoso.com']);
      expect(result.code).toBe(1);
      expect(errorOf(result).code).toBe('TENANT_NOT_CONNECTED');
    });

    it('reports a wrong client secret with the AADSTS code and stores nothing', async () => {
      const result = await cli(['tenant', 'connect', 'contoso', '--tenant-id', seeded.tenant.id, '--client-id', seeded.clientId, '--client-secret-stdin'], 'wrong-secret\n');
      expect(result.code).toBe(1);
      expect(errorOf(result)).toMatchObject({ code: 'TENANT_AUTH_FAILED' });
      expect(errorOf(result).message).toContain('AADSTS7000215');
      expect(await database.db.selectFrom('tenantConnections').selectAll().execute()).toEqual([]);
    });

    it('wants the secret on stdin and a GUID client id', async () => {
      const noStdin = await cli(['tenant', 'connect', 'contoso', '--tenant-id', seeded.tenant.id, '--client-id', seeded.clientId]);
      expect(noStdin.code).toBe(2);
      const badClient = await cli(['tenant', 'connect', 'contoso', '--tenant-id', seeded.tenant.id, '--client-id', 'nope', '--client-secret-stdin'], 'x');
      expect(errorOf(badClient).code).toBe('CLIENT_ID_INVALID');
    });

    it('stores the connection with the secret encrypted and lists the tenant\'s domains', async () => {
      const result = await cli(['tenant', 'connect', 'contoso', '--tenant-id', seeded.tenant.id, '--client-id', seeded.clientId, '--client-secret-stdin'], `${seeded.clientSecret}\n`);
      expect(result.code).toBe(0);
      const report = result.json();
      expect(report).toMatchObject({ organization: 'contoso', tenantId: seeded.tenant.id, clientId: seeded.clientId });
      expect(report.domains.map((domain: { id: string }) => domain.id).sort()).toEqual(['contoso.com', 'contoso.onmicrosoft.com', 'eu.contoso.com', 'fabrikam.com', 'sales.contoso.com']);
      expect(report.domains.find((domain: { id: string }) => domain.id === 'sales.contoso.com')).toMatchObject({ isRoot: false, isVerified: true });
      const [stored] = await database.db.selectFrom('tenantConnections').selectAll().execute();
      expect(stored?.clientSecretEncrypted).toMatch(/^v1\./);
      expect(stored?.clientSecretEncrypted).not.toContain(seeded.clientSecret);
      const events = await listAuditEvents(database.db, { actionPrefix: 'tenant.' });
      expect(events.map((event) => event.outcome).sort()).toEqual(['failure', 'success']);
      expect(JSON.stringify(events)).not.toContain(seeded.clientSecret);
    });

    it('says the network failed, not the credentials, when the login URL does not answer', async () => {
      const closed = `https://127.0.0.1:${await freePort()}`;
      const before = await database.db.selectFrom('tenantConnections').selectAll().execute();
      const result = await runCli(['tenant', 'connect', 'contoso', '--tenant-id', seeded.tenant.id, '--client-id', seeded.clientId, '--client-secret-stdin', '--json'], { ...env, LANYARD_MICROSOFT_LOGIN_URL: closed }, `${seeded.clientSecret}\n`);
      expect(result.code).toBe(1);
      expect(errorOf(result)).toMatchObject({ code: 'MICROSOFT_UNREACHABLE', details: { host: new URL(closed).host, errorCode: 'ECONNREFUSED' } });
      // The working connection stored above is not replaced.
      expect(await database.db.selectFrom('tenantConnections').selectAll().execute()).toEqual(before);
    });
  });

  describe('lanyard federate', () => {
    it('reports every failed pre-flight check with its fix, and writes nothing', async () => {
      const result = await cli(['federate', 'contoso.com']);
      expect(result.code).toBe(1);
      const error = errorOf(result);
      expect(error.code).toBe('FEDERATION_PREFLIGHT_FAILED');
      const failed = Object.fromEntries(error.details!.checks.filter((check) => !check.ok).map((check) => [check.id, check]));
      expect(Object.keys(failed).sort()).toEqual(['cloud-global-admin', 'immutable-ids']);
      expect(failed['immutable-ids']!.users).toEqual([
        expect.objectContaining({ userPrincipalName: 'bob@contoso.com', problem: 'immutable-id-missing', fix: expect.stringContaining('Qm9iMDAwMDAwMDAwMDAwMA==') }),
        expect.objectContaining({ userPrincipalName: 'carol@contoso.com', problem: 'no-lanyard-user', fix: expect.stringContaining('lanyard user add carol@contoso.com --immutable-id') }),
        // A subdomain's users sign in through contoso.com's federation too.
        expect.objectContaining({ userPrincipalName: 'dana@sales.contoso.com', problem: 'immutable-id-missing', fix: expect.stringContaining('lanyard user add dana@sales.contoso.com') }),
      ]);
      expect(failed['immutable-ids']!.message).toContain('contoso.com and its subdomains');
      const text = await runCli(['federate', 'contoso.com'], env);
      expect(text.stderr).toContain('✗ no Global Administrator has an account in a domain that stays managed');
      expect(text.stderr).toContain('- bob@contoso.com (no ImmutableID)');
      expect((await emulatorDomain('contoso.com')).authenticationType).toBe('Managed');
    });

    it('refuses the tenant\'s default domain and a subdomain that follows its root (Lanyard itself refuses onmicrosoft.com domains)', async () => {
      const fabrikam = errorOf(await cli(['federate', 'fabrikam.com']));
      expect(fabrikam.details!.checks.find((check) => check.id === 'not-default')).toMatchObject({ ok: false, fix: expect.stringContaining('Set as default') });
      // ops@contoso.com, a Global Administrator on contoso.com, can still sign in if fabrikam.com's federation breaks.
      expect(fabrikam.details!.checks.find((check) => check.id === 'cloud-global-admin')).toMatchObject({ ok: true, message: expect.stringContaining('ops@contoso.com') });
      await cli(['domain', 'add', 'contoso', 'eu.contoso.com']);
      const subdomain = errorOf(await cli(['federate', 'eu.contoso.com']));
      expect(subdomain.details!.checks.find((check) => check.id === 'root-domain')).toMatchObject({ ok: false, fix: expect.stringContaining('federate the root domain') });
      // Registered in Lanyard as a domain of its own, eu.contoso.com's users would get an issuer Entra refuses.
      const root = errorOf(await cli(['federate', 'contoso.com']));
      expect(root.details!.checks.find((check) => check.id === 'subdomain-issuers')).toMatchObject({ ok: false, message: expect.stringContaining('eu.contoso.com') });
      // Promoted to a root domain in the tenant (by an admin: Lanyard's app may only read domains), it no longer follows contoso.com.
      emulator.state.findDomain('eu.contoso.com')!.domain.isRoot = true;
      const promoted = errorOf(await cli(['federate', 'contoso.com']));
      expect(promoted.details!.checks.find((check) => check.id === 'subdomain-issuers')).toMatchObject({ ok: true, message: expect.stringContaining('sales.contoso.com') });
      expect(errorOf(await cli(['domain', 'add', 'contoso', 'contoso.onmicrosoft.com'])).code).not.toBe('INTERNAL_ERROR');
    });

    it('passes once the problems are fixed; --dry-run shows the body and writes nothing', async () => {
      await fetch(`${emulator.baseUrl}/_emulator/tenants/${seeded.tenant.id}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userPrincipalName: 'breakglass@contoso.onmicrosoft.com', directoryRoles: ['Global Administrator'] }),
      });
      expect((await graphRequest(emulator, token, 'PATCH', '/users/bob@contoso.com', { onPremisesImmutableId: 'Qm9iMDAwMDAwMDAwMDAwMA==' })).status).toBe(204);
      await cli(['user', 'add', 'carol@contoso.com', '--immutable-id', 'Q2Fyb2wwMDAwMDAwMDAwMA==']);
      await cli(['user', 'add', 'dana@sales.contoso.com', '--immutable-id', 'RGFuYTAwMDAwMDAwMDAwMA==']);
      expect((await graphRequest(emulator, token, 'PATCH', '/users/dana@sales.contoso.com', { onPremisesImmutableId: 'RGFuYTAwMDAwMDAwMDAwMA==' })).status).toBe(204);
      const graphWrites = () => emulator.state.requestLog.filter((entry) => entry.path.startsWith('/v1.0/') && entry.method !== 'GET').length;
      const writesBefore = graphWrites();

      const result = await cli(['federate', 'contoso.com', '--dry-run']);
      expect(result.code).toBe(0);
      const report = result.json();
      expect(report).toMatchObject({ dryRun: true, action: 'create', protocol: 'wsfed', mfaBehavior: 'enforce' });
      expect(report.checks.every((check: { ok: boolean }) => check.ok)).toBe(true);
      expect(report.body).toMatchObject({ issuerUri: 'https://idp.example.com/federation/contoso.com', passiveSignInUri: 'https://idp.example.com/federation/contoso.com/wsfed', nextSigningCertificate: null });
      expect(graphWrites()).toBe(writesBefore);
      expect((await emulatorDomain('contoso.com')).authenticationType).toBe('Managed');
      expect(await database.db.selectFrom('domainFederations').selectAll().execute()).toEqual([]);
    });

    it('federates with POST, then updates with PATCH on a second run', async () => {
      const first = await cli(['federate', 'contoso.com']);
      expect(first.code).toBe(0);
      expect(first.json()).toMatchObject({ action: 'create', result: { authenticationType: 'Federated' } });
      expect((await emulatorDomain('sales.contoso.com')).authenticationType).toBe('Federated');
      const second = await cli(['federate', 'contoso.com', '--protocol', 'saml', '--mfa', 'accept']);
      expect(second.code).toBe(0);
      expect(second.json()).toMatchObject({ action: 'update', protocol: 'saml', mfaBehavior: 'accept' });
      const configuration = (await graphRequest(emulator, token, 'GET', '/domains/contoso.com/federationConfiguration')).body?.value as Record<string, unknown>[];
      expect(configuration).toHaveLength(1);
      expect(configuration[0]).toMatchObject({
        preferredAuthenticationProtocol: 'saml',
        passiveSignInUri: 'https://idp.example.com/federation/contoso.com/saml2',
        federatedIdpMfaBehavior: 'acceptIfMfaDoneByFederatedIdp',
      });
      const writes = emulator.state.requestLog.filter((entry) => entry.path.startsWith('/v1.0/domains/contoso.com/federationConfiguration') && entry.method !== 'GET');
      expect(writes.map((entry) => `${entry.method} ${entry.status}`)).toEqual(['POST 201', 'PATCH 200']);
      expect((await cli(['domain', 'list'])).json().find((domain: { name: string }) => domain.name === 'contoso.com')).toMatchObject({ protocol: 'saml', mfaBehavior: 'accept' });
      const events = await listAuditEvents(database.db, { actionPrefix: 'federation.federate' });
      expect(events.filter((event) => event.outcome === 'success')).toHaveLength(2);
    });
  });

  describe('lanyard unfederate', () => {
    it('--dry-run changes nothing; a real run makes the domain Managed and keeps Lanyard\'s users', async () => {
      const dry = await cli(['unfederate', 'contoso.com', '--dry-run']);
      expect(dry.json()).toMatchObject({ dryRun: true, action: 'convert', authenticationType: 'Federated' });
      expect((await emulatorDomain('contoso.com')).authenticationType).toBe('Federated');

      const result = await cli(['unfederate', 'contoso.com']);
      expect(result.code).toBe(0);
      const report = result.json();
      expect(report).toMatchObject({ action: 'convert', authenticationType: 'Managed' });
      expect(report.warnings.join(' ')).toContain('up to two hours');
      expect((await emulatorDomain('contoso.com')).authenticationType).toBe('Managed');
      expect((await graphRequest(emulator, token, 'GET', '/domains/contoso.com/federationConfiguration')).body?.value).toEqual([]);
      expect(await database.db.selectFrom('domainFederations').selectAll().execute()).toEqual([]);
      expect((await cli(['user', 'list', 'contoso'])).json()).toHaveLength(4);
      expect((await emulatorDomain('sales.contoso.com')).authenticationType).toBe('Managed');

      const again = await cli(['unfederate', 'contoso.com']);
      expect(again.json()).toMatchObject({ action: 'none', authenticationType: 'Managed', warnings: [] });
      const text = await runCli(['unfederate', 'contoso.com'], env);
      expect(text.stdout).toContain('already managed');
    });
  });
});
