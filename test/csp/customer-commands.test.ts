import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';

/**
 * `lanyard csp customer …` as CLI processes against the emulator: create (the password printed
 * once), a usage error, a taken prefix, accept-agreement twice (the second: already accepted, not an
 * error), list and show.
 */
describe('csp customer commands', () => {
  let world: CspWorld;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli([...args, '--json'], env);
  const create = ['--company', 'Woodgrove Bank', '--domain-prefix', 'woodgrovecli', '--email', 'it@woodgrove.example', '--country', 'US', '--first-name', 'Grace', '--last-name', 'Hopper', '--address', '1 Main St', '--city', 'Seattle', '--postal-code', '98101', '--state', 'WA'];

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('refuses a create missing options as a usage error (exit 2), and a bad field with its code (exit 1)', async () => {
    const missing = await cli(['csp', 'customer', 'create', world.partnerSlug, '--company', 'Woodgrove Bank']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr).error).toMatchObject({ code: 'USAGE', details: { missing: expect.arrayContaining(['domain-prefix', 'email']) } });
    const bad = await cli(['csp', 'customer', 'create', world.partnerSlug, ...create.map((value) => (value === 'US' ? 'USA' : value))]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr).error.code).toBe('CSP_COUNTRY_INVALID');
  });

  it('creates a customer and prints the admin password once; the same prefix again is CSP_DOMAIN_PREFIX_TAKEN', async () => {
    const created = await cli(['csp', 'customer', 'create', world.partnerSlug, ...create]);
    expect(created.code, created.stderr).toBe(0);
    const report = created.json();
    expect(report).toMatchObject({ adminUser: 'admin@woodgrovecli.onmicrosoft.com', adminPassword: expect.any(String), customer: { domain: 'woodgrovecli.onmicrosoft.com', country: 'US', source: 'created' } });
    const again = await cli(['csp', 'customer', 'create', world.partnerSlug, ...create]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error.code).toBe('CSP_DOMAIN_PREFIX_TAKEN');
    const show = await cli(['csp', 'customer', 'show', 'woodgrovecli.onmicrosoft.com']);
    expect(show.stdout).not.toContain(report.adminPassword);
  });

  it('accepts the Microsoft Customer Agreement, then says it was already accepted', async () => {
    const contact = ['--first-name', 'Grace', '--last-name', 'Hopper', '--email', 'grace@woodgrove.example'];
    const first = await cli(['csp', 'customer', 'accept-agreement', 'woodgrovecli.onmicrosoft.com', ...contact]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ alreadyAccepted: false, contact: { email: 'grace@woodgrove.example' } });
    const second = await runCli(['csp', 'customer', 'accept-agreement', 'woodgrovecli.onmicrosoft.com', ...contact], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('already had');
  });

  it('lists and shows customers; an unknown one is CSP_CUSTOMER_NOT_FOUND', async () => {
    const list = await cli(['csp', 'customer', 'list', world.partnerSlug]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json().map((customer: { domain: string }) => customer.domain)).toEqual(['woodgrovecli.onmicrosoft.com']);
    const show = await cli(['csp', 'customer', 'show', 'woodgrovecli.onmicrosoft.com']);
    expect(show.json()).toMatchObject({ agreement: { acceptedBy: 'cli', contact: { firstName: 'Grace' } }, partner: world.partnerSlug });
    const unknown = await cli(['csp', 'customer', 'show', 'nobody.onmicrosoft.com']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr).error.code).toBe('CSP_CUSTOMER_NOT_FOUND');
  });
});
