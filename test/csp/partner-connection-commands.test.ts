import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { findPartnerBySlug } from '../../csp/data/partners.ts';
import { runCli } from '../harness/cli.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';

const vaultAppSecret = 'key-vault-app~secret';

/**
 * `lanyard csp partner check | change | remove | use-key-vault | use-database` as real processes
 * against the emulator: the check's JSON report, bad settings refused with their codes and nothing
 * written, a new client secret used on the next token request, the token moved to Key Vault and
 * back, and a partner with customers kept.
 */
describe('csp partner connection commands', () => {
  let world: CspWorld;
  let env: Record<string, string>;
  const cli = (args: string[], stdin?: string) => runCli([...args, '--json'], env, stdin);
  const codeOf = (result: { stderr: string }) => (JSON.parse(result.stderr) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    world = await startCspWorld('sqlite', { extraApps: [{ clientSecret: vaultAppSecret, displayName: 'Lanyard Key Vault' }] });
    env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('check reports every check with its outcome; an unrecorded secret expiry is a warning saying how to record it', async () => {
    const result = await cli(['csp', 'partner', 'check', world.partnerSlug]);
    expect(result.code, result.stderr).toBe(0);
    const report = result.json<{ outcome: string; checks: { check: string; outcome: string; code: string | null; remediation: string | null }[] }>();
    expect(report.outcome).toBe('warning');
    expect(report.checks.map((check) => check.check)).toEqual(['token-stored', 'storage-agrees', 'token-redeems', 'token-decodes', 'mfa', 'client-secret', 'partner-center']);
    expect(report.checks.find((check) => check.check === 'client-secret')).toMatchObject({ outcome: 'warning', code: 'CSP_SECRET_EXPIRY_UNKNOWN', remediation: expect.stringContaining('--client-secret-expires') });
    expect(report.checks.filter((check) => check.check !== 'client-secret').every((check) => check.outcome === 'ok')).toBe(true);
  });

  it('refuses bad settings with their codes and changes nothing', async () => {
    const before = await world.partner();
    for (const [args, code] of [
      [['--licence-cap', 'lots'], 'CSP_LICENCE_CAP_INVALID'],
      [['--licence-cap=-2'], 'CSP_LICENCE_CAP_INVALID'],
      [['--admin-emails', 'ops@northwind.example,not-an-address'], 'CSP_ADMIN_EMAIL_INVALID'],
      [['--login-url', 'ftp://login.example'], 'CSP_ENDPOINT_INVALID'],
      [['--client-secret-expires', 'next tuesday'], 'CSP_SECRET_EXPIRY_INVALID'],
      [['--resellers', 'not-a-guid', '--licence-cap', '5'], 'CSP_RESELLER_ID_INVALID'],
    ] as const) {
      const result = await cli(['csp', 'partner', 'change', world.partnerSlug, ...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).not.toBe(0);
      expect(codeOf(result)).toBe(code);
    }
    expect(codeOf(await cli(['csp', 'partner', 'change', world.partnerSlug]))).toBe('USAGE');
    expect(codeOf(await cli(['csp', 'partner', 'change', 'nobody', '--licence-cap', '1']))).toBe('CSP_PARTNER_NOT_FOUND');
    const after = await world.partner();
    expect({ ...after, updatedAt: '' }).toEqual({ ...before, updatedAt: '' });
  });

  it('changes settings; a wrong new client secret fails the next refresh (AADSTS7000215) and the right one fixes it', async () => {
    const reseller = '3f2a1b4c-0000-4000-8000-000000000003';
    const changed = await cli(['csp', 'partner', 'change', world.partnerSlug, '--licence-cap', '25', '--admin-emails', 'Ops@Northwind.example', '--resellers', reseller, '--include-sub-resellers', '--client-secret-expires', '2031-06-30']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.json()).toMatchObject({ licenceCapPerCustomer: 25, adminEmails: ['ops@northwind.example'], resellerIds: [reseller], includeSubResellers: true, clientSecretExpiresAt: '2031-06-30T00:00:00.000Z' });
    expect((await cli(['csp', 'partner', 'change', world.partnerSlug, '--licence-cap', 'unlimited'])).json()).toMatchObject({ licenceCapPerCustomer: null });
    expect((await cli(['csp', 'partner', 'change', world.partnerSlug, '--licence-cap=7'])).json()).toMatchObject({ licenceCapPerCustomer: 7 });
    expect((await cli(['csp', 'partner', 'change', world.partnerSlug, '--licence-cap=-1'])).json()).toMatchObject({ licenceCapPerCustomer: null });

    expect((await cli(['csp', 'partner', 'change', world.partnerSlug, '--client-secret-stdin'], 'a-wrong-secret\n')).code).toBe(0);
    const refused = await cli(['csp', 'partner', 'refresh', world.partnerSlug]);
    expect(codeOf(refused)).toBe('CSP_TOKEN_REFUSED');
    expect((await cli(['csp', 'partner', 'status', world.partnerSlug])).json()).toMatchObject({ state: 'failed', code: 'AADSTS7000215' });
    expect((await cli(['csp', 'partner', 'change', world.partnerSlug, '--client-secret-stdin'], 'csp-app-secret~1\n')).code).toBe(0);
    const fixed = await cli(['csp', 'partner', 'refresh', world.partnerSlug]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.json()).toMatchObject({ state: 'valid' });
    const changes = (await listAuditEvents(world.lanyard.context.db)).filter((event) => event.action === 'csp.partner.change');
    expect(changes.length).toBeGreaterThanOrEqual(4);
    expect(changes.map((event) => event.details ?? '').join(' ')).not.toContain('csp-app-secret');
  });

  it('moves the token to Key Vault and back from the command line', async () => {
    const secretUrl = `${world.emulator.baseUrl}/secrets/cli-refresh-token`;
    const usage = await cli(['csp', 'partner', 'use-key-vault', world.partnerSlug, '--secret-url', secretUrl]);
    expect(codeOf(usage)).toBe('USAGE');
    const moved = await cli(['csp', 'partner', 'use-key-vault', world.partnerSlug, '--secret-url', secretUrl, '--tenant-id', world.partnerTenant.id, '--client-id', world.partnerTenant.apps[1]!.clientId, '--client-secret-stdin'], `${vaultAppSecret}\n`);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.json()).toMatchObject({ movedToken: true, partner: { tokenStorage: 'key-vault', keyVaultSecretUrl: secretUrl } });
    expect(moved.stdout).not.toContain(vaultAppSecret);
    expect((await cli(['csp', 'partner', 'refresh', world.partnerSlug])).json()).toMatchObject({ state: 'valid' });
    expect(world.emulator.state.keyVaultSecrets.versions('cli-refresh-token')).toHaveLength(2);
    const back = await cli(['csp', 'partner', 'use-database', world.partnerSlug]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.json()).toMatchObject({ movedToken: true, leftBehind: null, partner: { tokenStorage: 'database' } });
    expect(world.emulator.state.keyVaultSecrets.isDeleted('cli-refresh-token')).toBe(true);
  });

  it('refuses to remove a partner that has customers; removes one without, audited', async () => {
    const partner = await world.partner();
    await insertCustomer(world.lanyard.context.db, { partnerId: partner.id, tenantId: '55555555-5555-5555-5555-555555555555', domain: 'fabrikam.onmicrosoft.com', companyName: 'Fabrikam', country: null, email: null, resellerId: null, organizationId: null, source: 'imported' });
    const refused = await cli(['csp', 'partner', 'remove', world.partnerSlug]);
    expect(refused.code).not.toBe(0);
    expect(codeOf(refused)).toBe('CSP_PARTNER_HAS_CUSTOMERS');
    expect(refused.stderr).toContain('1 customer');
    expect(await findPartnerBySlug(world.lanyard.context.db, world.partnerSlug)).toBeDefined();

    const added = await cli(['csp', 'partner', 'add', 'spare-csp', '--tenant-id', world.partnerTenant.id, '--client-id', partner.clientId, '--client-secret-stdin', '--admin-emails', 'ops@spare.example', '--licence-cap', '3'], 'csp-app-secret~1\n');
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({ adminEmails: ['ops@spare.example'], licenceCapPerCustomer: 3 });
    const removed = await cli(['csp', 'partner', 'remove', 'spare-csp']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.json()).toMatchObject({ partner: 'spare-csp', removed: true });
    expect(await findPartnerBySlug(world.lanyard.context.db, 'spare-csp')).toBeUndefined();
    expect(codeOf(await cli(['csp', 'partner', 'remove', 'spare-csp']))).toBe('CSP_PARTNER_NOT_FOUND');
    const audit = (await listAuditEvents(world.lanyard.context.db)).filter((event) => event.action === 'csp.partner.remove').map((event) => [event.target, event.outcome]);
    expect(audit).toEqual(expect.arrayContaining([[world.partnerSlug, 'failure'], ['spare-csp', 'success']]));
  });
});
