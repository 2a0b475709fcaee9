import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnvironment, runCli } from '../harness/cli.ts';
import { createTestDatabase, type TestDatabase } from '../harness/databases.ts';

/** `lanyard admin grant | revoke | list | setup-link` as real processes (the rule itself: admin-roles.test.ts). */
describe('admin commands', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  const cli = (args: string[], stdin?: string) => runCli([...args, '--json'], env, stdin);
  const codeOf = (result: { stderr: string }) => (JSON.parse(result.stderr) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-portal-'));
    env = cliEnvironment(database.url, dataDir);
    for (const args of [['org', 'create', 'contoso', '--name', 'Contoso Ltd'], ['domain', 'add', 'contoso', 'contoso.com'], ['user', 'add', 'admin@contoso.com'], ['user', 'add', 'alice@contoso.com']]) {
      const result = await cli(args);
      expect(result.code, result.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('setup-link makes the first operator and prints the portal URL and a one-time link', async () => {
    const result = await runCli(['admin', 'setup-link', 'admin@contoso.com'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('portal: https://idp.example.com/admin');
    expect(result.stdout).toMatch(/set-up link \(once, until .+\): https:\/\/idp\.example\.com\/activate\/[A-Za-z0-9_-]{43}/);
    expect(result.stdout).toContain('admin@contoso.com is now the operator');
    // There is an operator now: another account cannot take the role this way.
    expect(codeOf(await cli(['admin', 'setup-link', 'alice@contoso.com']))).toBe('ADMIN_SETUP_DONE');
  });

  it('grants, lists and revokes, with usage and scope errors as codes', async () => {
    const granted = await cli(['admin', 'grant', 'alice@contoso.com', '--role', 'org-admin', '--org', 'contoso']);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.json()).toMatchObject({ upn: 'alice@contoso.com', role: 'org-admin', organization: 'contoso', added: true });
    const list = await cli(['admin', 'list']);
    expect(list.json<Array<{ upn: string; role: string }>>().map((a) => `${a.upn} ${a.role}`)).toEqual(['admin@contoso.com operator', 'alice@contoso.com org-admin']);
    const text = await runCli(['admin', 'list'], env);
    expect(text.stdout).toMatch(/alice@contoso\.com\s+org-admin\s+org contoso\s+cli/);
    expect(codeOf(await cli(['admin', 'grant', 'alice@contoso.com', '--role', 'org-admin']))).toBe('ADMIN_SCOPE_INVALID');
    const usage = await cli(['admin', 'grant', 'alice@contoso.com']);
    expect(usage.code).toBe(2);
    const revoked = await cli(['admin', 'revoke', 'alice@contoso.com', '--role', 'org-admin', '--org', 'contoso']);
    expect(revoked.json()).toMatchObject({ revoked: true, endedSessions: 0 });
    expect(codeOf(await cli(['admin', 'revoke', 'alice@contoso.com', '--role', 'org-admin', '--org', 'contoso']))).toBe('ADMIN_GRANT_NOT_FOUND');
  });
});
