import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { openDatabase } from '../../core/db/database.ts';
import { markDomainFederated } from '../../core/db/domain-federations.ts';
import { findDomainByName } from '../../core/db/domains.ts';
import { cliEnvironment, runCli, type CliResult } from '../harness/cli.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/**
 * Admin mistakes undone from the CLI, run as a real process against both databases: removing a
 * domain or an organization added by mistake, correcting an issuer fixed from the wrong public
 * URL, and the refusals that keep those from breaking sign-in (federated domains, domains in use,
 * another organization's parent or subdomain) and malformed UPNs.
 */
// Each step is a real process (a few seconds each on a loaded machine), so the tests get a longer budget.
describe.each(dialects)('lanyard account admin commands on %s', { timeout: 240_000 }, (dialect) => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  const cli = (args: string[], stdin?: string) => runCli([...args, '--json'], env, stdin);
  const errorCode = (result: CliResult) => ({ exit: result.code, code: JSON.parse(result.stderr).error.code as string });

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-cli-'));
    env = cliEnvironment(database.url, dataDir);
    await cli(['org', 'create', 'alpha', '--name', 'Alpha']);
    await cli(['org', 'create', 'bravo', '--name', 'Bravo']);
    await cli(['domain', 'add', 'alpha', 'alpha.test']);
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function auditActions(): Promise<string[]> {
    const { db, close } = openDatabase(database.url);
    try {
      return (await listAuditEvents(db)).map((event) => event.action);
    } finally {
      await close();
    }
  }

  async function federate(name: string): Promise<void> {
    const { db, close } = openDatabase(database.url);
    const domain = (await findDomainByName(db, name))!;
    await markDomainFederated(db, { domainId: domain.id, organizationId: domain.organizationId, tenantId: 'tenant' });
    await close();
  }

  it('domain add refuses a parent or a subdomain of another organization\'s domain, not of its own', async () => {
    expect(errorCode(await cli(['domain', 'add', 'bravo', 'sales.alpha.test']))).toEqual({ exit: 1, code: 'DOMAIN_OWNED_ELSEWHERE' });
    expect((await cli(['domain', 'add', 'alpha', 'eu.alpha.test'])).json()).toMatchObject({ name: 'eu.alpha.test', warnings: [] });
    expect(errorCode(await cli(['domain', 'add', 'bravo', 'test.alpha.test']))).toEqual({ exit: 1, code: 'DOMAIN_OWNED_ELSEWHERE' });
    expect((await cli(['domain', 'add', 'bravo', 'bravo.test'])).code).toBe(0);
    expect(errorCode(await cli(['domain', 'add', 'alpha', 'deep.sub.bravo.test']))).toEqual({ exit: 1, code: 'DOMAIN_OWNED_ELSEWHERE' });
    const owned = JSON.parse((await cli(['domain', 'add', 'alpha', 'eu.bravo.test'])).stderr).error.message;
    expect(owned).toContain('subdomain of bravo.test');
  });

  it('domain add warns when the issuer comes from a local or another public URL', async () => {
    const { LANYARD_PUBLIC_URL: _unset, ...localEnv } = env;
    const local = (await runCli(['domain', 'add', 'bravo', 'local.example', '--json'], localEnv)).json();
    expect(local.issuerUri).toBe('http://localhost:8080/federation/local.example');
    expect(local.warnings).toEqual([expect.stringContaining('local address'), expect.stringContaining('other domains\' issuers were built from https://idp.example.com')]);
    const text = await runCli(['domain', 'add', 'bravo', 'other.example'], { ...env, LANYARD_PUBLIC_URL: 'https://elsewhere.example.com' });
    expect(text.stdout).toContain('warning: other domains\' issuers were built from');
    expect(text.stdout).toContain('lanyard domain set-issuer other.example');
  });

  it('domain set-issuer validates the URI, refuses a taken one and a federated domain, and is audited', async () => {
    for (const bad of ['not a uri', 'ftp://idp.example.com/x', 'https://idp.example.com/x#frag']) {
      expect(errorCode(await cli(['domain', 'set-issuer', 'local.example', bad]))).toEqual({ exit: 1, code: 'ISSUER_URI_INVALID' });
    }
    expect(errorCode(await cli(['domain', 'set-issuer', 'local.example', 'https://idp.example.com/federation/alpha.test']))).toEqual({ exit: 1, code: 'ISSUER_TAKEN' });
    expect(errorCode(await cli(['domain', 'set-issuer', 'nowhere.example', 'https://idp.example.com/federation/nowhere.example']))).toEqual({ exit: 1, code: 'DOMAIN_NOT_FOUND' });
    const fixed = (await cli(['domain', 'set-issuer', 'local.example', 'https://idp.example.com/federation/local.example'])).json();
    expect(fixed.issuerUri).toBe('https://idp.example.com/federation/local.example');
    expect((await cli(['domain', 'list', '--org', 'bravo'])).json()).toContainEqual(expect.objectContaining({ name: 'local.example', issuerUri: fixed.issuerUri }));

    await federate('local.example');
    const refused = await cli(['domain', 'set-issuer', 'local.example', 'urn:lanyard:local.example']);
    expect(errorCode(refused)).toEqual({ exit: 1, code: 'DOMAIN_FEDERATED' });
    expect(JSON.parse(refused.stderr).error.message).toContain('lanyard unfederate local.example');
    expect((await cli(['domain', 'list', '--org', 'bravo'])).json()).toContainEqual(expect.objectContaining({ name: 'local.example', issuerUri: fixed.issuerUri }));
    expect(await auditActions()).toContain('domain.set-issuer');
  });

  it('domain remove refuses a federated domain and one accounts sign in through, then removes', async () => {
    expect(errorCode(await cli(['domain', 'remove', 'local.example']))).toEqual({ exit: 1, code: 'DOMAIN_FEDERATED' });
    await cli(['user', 'add', 'ann@alpha.test']);
    await cli(['user', 'add', 'eve@eu.alpha.test']);
    await cli(['user', 'add', 'sam@sales.alpha.test']);
    const inUse = await cli(['domain', 'remove', 'alpha.test']);
    expect(errorCode(inUse)).toEqual({ exit: 1, code: 'DOMAIN_IN_USE' });
    // ann and sam (a subdomain not registered on its own); eve belongs to eu.alpha.test.
    expect(JSON.parse(inUse.stderr).error.details).toEqual({ accounts: 2 });
    expect(errorCode(await cli(['domain', 'remove', 'eu.alpha.test']))).toEqual({ exit: 1, code: 'DOMAIN_IN_USE' });
    await cli(['user', 'remove', 'eve@eu.alpha.test']);
    expect((await cli(['domain', 'remove', 'EU.Alpha.test'])).json()).toEqual({ name: 'eu.alpha.test', removed: true });
    expect(errorCode(await cli(['domain', 'remove', 'eu.alpha.test']))).toEqual({ exit: 1, code: 'DOMAIN_NOT_FOUND' });
    // Undone by adding it again, with the same issuer.
    expect((await cli(['domain', 'add', 'alpha', 'eu.alpha.test'])).json().issuerUri).toBe('https://idp.example.com/federation/eu.alpha.test');
    expect(await auditActions()).toContain('domain.remove');
  });

  it('org remove refuses an organization with domains or accounts, and removes an empty one with its configuration', async () => {
    expect(errorCode(await cli(['org', 'remove', 'bravo']))).toEqual({ exit: 1, code: 'ORG_HAS_DOMAINS' });
    expect(errorCode(await cli(['org', 'remove', 'nobody']))).toEqual({ exit: 1, code: 'ORG_NOT_FOUND' });
    await cli(['org', 'create', 'mistake', '--name', 'Created by mistake']);
    await cli(['agent', 'register', 'mistake', '--name', 'dc1']);
    await cli(['api-token', 'create', 'mistake', '--name', 'script']);
    await cli(['domain', 'add', 'mistake', 'mistake.example']);
    expect(errorCode(await cli(['org', 'remove', 'mistake']))).toEqual({ exit: 1, code: 'ORG_HAS_DOMAINS' });
    expect((await cli(['domain', 'remove', 'mistake.example'])).code).toBe(0);
    expect((await cli(['org', 'remove', 'mistake'])).json()).toEqual({ slug: 'mistake', removed: true });
    expect((await cli(['org', 'list'])).json().map((organization: { slug: string }) => organization.slug)).toEqual(['alpha', 'bravo']);
    expect((await cli(['org', 'create', 'mistake', '--name', 'Again'])).code).toBe(0);
    expect(await auditActions()).toContain('org.remove');
  });

  it('user add takes a UPN only in its normal form', async () => {
    expect((await cli(['user', 'add', '  Zoe.Q@Alpha.TEST '])).json().upn).toBe('zoe.q@alpha.test');
    for (const upn of ['ZOE.Q@alpha.test', ' zoe.q@alpha.test']) expect(errorCode(await cli(['user', 'add', upn]))).toEqual({ exit: 1, code: 'USER_EXISTS' });
    for (const upn of ['victim@bravo.test@alpha.test', 'bad\r\nname@alpha.test', '<b>@alpha.test', 'a..b@alpha.test']) {
      const refused = await cli(['user', 'add', upn]);
      expect(errorCode(refused)).toEqual({ exit: 1, code: 'UPN_INVALID' });
      expect(JSON.parse(refused.stderr).error.message).toMatch(/^not a valid user principal name: /);
    }
    expect((await cli(['user', 'disable', 'ZOE.Q@ALPHA.TEST'])).json()).toMatchObject({ upn: 'zoe.q@alpha.test', status: 'disabled' });
  });
});
