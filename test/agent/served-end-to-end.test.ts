import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { runCli } from '../harness/cli.ts';
import { dialects } from '../harness/databases.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization } from '../harness/seed.ts';
import { person, startSlapd, type SlapdServer } from '../harness/slapd.ts';
import { readWsFedResult } from '../harness/token-reader.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

const agentEntry = path.resolve(import.meta.dirname, '../../bin/lanyard-agent.mjs');

/**
 * The whole product path, as an admin would run it: the real Lanyard server (agent API and
 * pass-through mounted by `createServer`), `lanyard agent register` through the CLI, the real
 * `lanyard-agent` process syncing from slapd, and a directory user signing in through WS-Fed with
 * the directory password, checked by the agent with an LDAP bind.
 */
describe.each(dialects)('directory agent served by lanyard on %s', (dialect) => {
  let lanyard: RunningLanyard;
  let ldap: SlapdServer;
  let agent: ChildProcess | undefined;
  let dir: string;
  let slug: string;

  beforeAll(async () => {
    ldap = await startSlapd();
    lanyard = await startLanyard(dialect);
    // MFA optional: this test is about the directory password; TOTP is covered by the sign-in tests.
    slug = (await seedOrganization(lanyard.context, { slug: 'contoso', domain: 'contoso.test', mfaPolicy: 'optional' })).organization.slug;
    await ldap.withAdmin((client) => client.add(`uid=dora,ou=people,${ldap.suffix}`, person('dora', { password: 'dora-directory-pw' })));

    const registered = await runCli(['agent', 'register', slug, '--name', 'dc1', '--json'], lanyard.env);
    expect(registered.code, registered.stderr).toBe(0);
    dir = mkdtempSync(path.join(tmpdir(), 'lanyard-served-agent-'));
    writeFileSync(path.join(dir, 'agent.key'), `${registered.json<{ key: string }>().key}\n`, { mode: 0o600 });
    writeFileSync(path.join(dir, 'bind.pw'), `${ldap.syncPassword}\n`, { mode: 0o600 });
    const configFile = path.join(dir, 'agent.json');
    writeFileSync(configFile, JSON.stringify({
      server: lanyard.url,
      agentKeyFile: path.join(dir, 'agent.key'),
      ldap: { url: ldap.url, startTls: false, bindDn: ldap.syncDn, bindPasswordFile: path.join(dir, 'bind.pw'), baseDns: [`ou=people,${ldap.suffix}`], excludeDns: [], filter: '(objectClass=inetOrgPerson)' },
      mapping: { upn: 'mail', upnSuffix: null, sourceAnchor: 'entryUUID', displayName: 'cn', givenName: 'givenName', surname: 'sn', mail: 'mail' },
      intervalSeconds: 2,
      stateDir: path.join(dir, 'state'),
      logLevel: 'warn',
    }));
    agent = spawn(process.execPath, [agentEntry, 'run', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  }, 60_000);

  afterAll(async () => {
    agent?.kill('SIGTERM');
    await lanyard?.stop();
    await ldap?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  async function signIn(password: string) {
    const browser = new BrowserClient();
    const start = wsFedSignInUrl(lanyard.url, 'contoso.test', { username: 'dora@contoso.test' });
    const loginPage = await browser.follow(start);
    const form = readForm(loginPage.html);
    return browser.follow(new URL(form.action, loginPage.url).toString(), { form: { ...form.fields, username: 'dora@contoso.test', password } });
  }

  it('syncs the directory user and signs her in with her directory password', async () => {
    const dora = await waitFor(
      () => lanyard.context.db.selectFrom('users').selectAll().where('upn', '=', 'dora@contoso.test').executeTakeFirst(),
      'the agent to sync dora',
    );
    expect(dora.source).toBe('directory');
    expect(dora.passwordHash).toBeNull();

    const done = await signIn('dora-directory-pw');
    const token = readForm(done.html);
    expect(token.action).toBe('https://login.microsoftonline.com/login.srf');
    expect(readWsFedResult(token.fields.wresult!)).toMatchObject({ upn: 'dora@contoso.test', immutableId: dora.immutableId });

    const refused = await signIn('not-her-password');
    expect(refused.html).toContain('password is incorrect');
    expect(readFormOrNull(refused.html)?.action).not.toBe('https://login.microsoftonline.com/login.srf');
  }, 60_000);

  it('reports the connected agent and the last sync through `lanyard agent status`', async () => {
    const status = await runCli(['agent', 'status', slug, '--json'], lanyard.env);
    expect(status.code, status.stderr).toBe(0);
    const body = status.json<{ agents: { name: string; connected: boolean }[]; lastSync: { outcome: string; counts: Record<string, number> } }>();
    expect(body.agents).toEqual([expect.objectContaining({ name: 'dc1', connected: true })]);
    expect(body.lastSync.outcome).toBe('success');
  });

  it('refuses sign-in with a clear message once the agent is revoked', async () => {
    const list = await runCli(['agent', 'list', slug, '--json'], lanyard.env);
    const id = list.json<{ id: string }[]>()[0]!.id;
    expect((await runCli(['agent', 'revoke', id], lanyard.env)).code).toBe(0);
    const refused = await signIn('dora-directory-pw');
    // Refused like a wrong password (no name is told apart), with the page saying the organization's directory is away.
    expect(refused.html).toMatch(/directory: it cannot be reached right now/);
    expect(refused.response.status).toBe(401);
  }, 30_000);
});

function readFormOrNull(html: string) {
  try {
    return readForm(html);
  } catch {
    return null;
  }
}
