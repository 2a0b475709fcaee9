import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { cliEnvironment, runCli } from '../harness/cli.ts';
import { createTestDatabase, type TestDatabase } from '../harness/databases.ts';

/**
 * `lanyard csp partner add | list | show` as real processes: validation with stable codes, one
 * default partner, and no secret ever printed. (The repositories are tested on both dialects in
 * partner-repository.test.ts; the commands only parse and print.)
 */
describe('csp partner commands', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let emulator: RunningEmulator;
  let emulatorTenantId: string;
  let emulatorClientId: string;
  const tenantId = '3f2a1b4c-0000-4000-8000-000000000001';
  const clientId = '3f2a1b4c-0000-4000-8000-000000000002';
  const reseller = '3f2a1b4c-0000-4000-8000-000000000003';
  const secret = 'partner-app-secret-value';
  const cli = (args: string[], stdin?: string) => runCli([...args, '--json'], env, stdin);
  const codeOf = (result: { stderr: string }) => (JSON.parse(result.stderr) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-csp-'));
    emulator = await startTrustedEmulator();
    const tenant = applyTenantSeed(emulator.state, tenantSchema.parse({ name: 'cspcli', apps: [{ clientSecret: secret, displayName: 'Lanyard CSP', redirectUris: ['https://idp.example.com/csp/consent/callback'] }] }));
    emulatorTenantId = tenant.id;
    emulatorClientId = tenant.apps[0]!.clientId;
    env = cliEnvironment(database.url, dataDir, { LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl, LANYARD_PARTNER_CENTER_URL: 'https://pc.emulator.test', NODE_EXTRA_CA_CERTS: emulator.caCertPath });
  });
  afterAll(async () => {
    await database.drop();
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds a partner with the configured endpoints and shows it without its secret', async () => {
    const added = await cli(['csp', 'partner', 'add', 'Contoso-CSP', '--tenant-id', tenantId, '--client-id', clientId, '--client-secret-stdin', '--account-id', '1234567', '--resellers', `${reseller},${reseller}`, '--default'], secret);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({
      partner: 'contoso-csp',
      tenantId,
      clientId,
      accountId: '1234567',
      resellerIds: [reseller],
      isDefault: true,
      hasRefreshToken: false,
      tokenStorage: 'database',
      licenceCapPerCustomer: null,
      endpoints: { login: emulator.baseUrl, partnerCenter: 'https://pc.emulator.test' },
    });
    const shown = await cli(['csp', 'partner', 'show', 'contoso-csp']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain(secret);
    expect(added.stdout).not.toContain(secret);
    expect(shown.json()).toEqual(added.json());
  });

  it('refuses bad input and duplicates with stable codes', async () => {
    const add = (name: string, extra: string[] = [], tenant = tenantId, client = clientId) => cli(['csp', 'partner', 'add', name, '--tenant-id', tenant, '--client-id', client, '--client-secret-stdin', ...extra], secret);
    expect(codeOf(await add('bad_name'))).toBe('CSP_PARTNER_NAME_INVALID');
    expect(codeOf(await add('other', [], 'not a tenant'))).toBe('TENANT_ID_INVALID');
    expect(codeOf(await add('other', [], tenantId, 'nope'))).toBe('CLIENT_ID_INVALID');
    expect(codeOf(await add('other', ['--resellers', 'abc']))).toBe('CSP_RESELLER_ID_INVALID');
    expect(codeOf(await add('other', ['--account-id', 'x y']))).toBe('CSP_ACCOUNT_ID_INVALID');
    expect(codeOf(await add('contoso-csp'))).toBe('CSP_PARTNER_EXISTS');
    const noStdin = await cli(['csp', 'partner', 'add', 'other', '--tenant-id', tenantId, '--client-id', clientId]);
    expect([noStdin.code, codeOf(noStdin)]).toEqual([2, 'USAGE']);
    expect(codeOf(await cli(['csp', 'partner', 'show', 'missing']))).toBe('CSP_PARTNER_NOT_FOUND');
  });

  it('lists partners, with the newest --default as the only default', async () => {
    expect((await cli(['csp', 'partner', 'add', 'fabrikam', '--tenant-id', 'fabrikam.onmicrosoft.com', '--client-id', clientId, '--client-secret-stdin', '--default'], secret)).code).toBe(0);
    const listed = (await cli(['csp', 'partner', 'list'])).json<{ partner: string; isDefault: boolean }[]>();
    expect(listed.map((p) => [p.partner, p.isDefault])).toEqual([['contoso-csp', false], ['fabrikam', true]]);
  });

  it('prints the consent URL and the status of a partner without consent', async () => {
    expect((await cli(['csp', 'partner', 'add', 'emu', '--tenant-id', emulatorTenantId, '--client-id', emulatorClientId, '--client-secret-stdin'], secret)).code).toBe(0);
    const consent = await cli(['csp', 'partner', 'consent', 'emu']);
    expect(consent.code, consent.stderr).toBe(0);
    const url = new URL(consent.json<{ url: string }>().url);
    expect([url.origin, url.searchParams.get('redirect_uri'), url.searchParams.get('code_challenge_method')]).toEqual([emulator.baseUrl, 'https://idp.example.com/csp/consent/callback', 'S256']);
    const status = await cli(['csp', 'partner', 'status', 'emu']);
    expect(status.json()).toMatchObject({ partner: 'emu', state: 'no-consent', code: null, lastUsedAt: null, remediation: expect.stringContaining('consent') });
    const refresh = await cli(['csp', 'partner', 'refresh', 'emu']);
    expect(codeOf(refresh)).toBe('CSP_NO_REFRESH_TOKEN');
    expect(codeOf(await cli(['csp', 'partner', 'set-refresh-token', 'emu']))).toBe('USAGE');
  });
});
