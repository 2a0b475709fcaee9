import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { openDatabase } from '../../core/db/database.ts';
import { cliEnvironment, runCli } from '../harness/cli.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/** The admin CLI, run as a real process against both databases: output, exit codes, errors. */
describe.each(dialects)('lanyard CLI on %s', (dialect) => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-cli-'));
    env = cliEnvironment(database.url, dataDir);
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sets up an organization, a domain and users, and prints JSON', async () => {
    expect((await runCli(['org', 'create', 'contoso', '--name', 'Contoso Ltd', '--json'], env)).json()).toMatchObject({ slug: 'contoso', mfaPolicy: 'required' });
    expect((await runCli(['domain', 'add', 'contoso', 'Contoso.com', '--json'], env)).json()).toMatchObject({
      name: 'contoso.com',
      issuerUri: 'https://idp.example.com/federation/contoso.com',
    });
    const added = await runCli(['user', 'add', 'alice@contoso.com', '--name', 'Alice', '--password-stdin', '--json'], env, 'a long enough password\n');
    expect(added.code).toBe(0);
    const alice = added.json();
    expect(alice).toMatchObject({ upn: 'alice@contoso.com', hasPassword: true, status: 'active', source: 'local' });
    expect(Buffer.from(alice.immutableId, 'base64')).toHaveLength(16);
    await runCli(['user', 'add', 'bob@contoso.com', '--immutable-id', 'Qm9iMTIzNDU2Nzg5MDEyMw==', '--usage-location', 'nl', '--json'], env);
    const listed = (await runCli(['user', 'list', 'contoso', '--json'], env)).json();
    expect(listed.map((user: { upn: string }) => user.upn)).toEqual(['alice@contoso.com', 'bob@contoso.com']);
    expect(listed[1]).toMatchObject({ immutableId: 'Qm9iMTIzNDU2Nzg5MDEyMw==', usageLocation: 'NL' });
    expect(listed[0].usageLocation).toBeNull();
  });

  it('enrols TOTP, disables, enables and removes users', async () => {
    const enrolment = (await runCli(['user', 'mfa', 'enroll', 'alice@contoso.com', '--json'], env)).json();
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const { db: unlockDb, close: closeUnlockDb } = openDatabase(database.url);
    const alice = await unlockDb.selectFrom('users').select('id').where('upn', '=', 'alice@contoso.com').executeTakeFirstOrThrow();
    await unlockDb.insertInto('throttleCounters').values({ key: `second-factor:${alice.id}`, windowStartedAt: new Date().toISOString(), failures: 10 }).execute();
    expect((await runCli(['user', 'unlock', 'alice@contoso.com', '--json'], env)).json()).toEqual({ upn: 'alice@contoso.com', unlocked: true });
    expect(await unlockDb.selectFrom('throttleCounters').selectAll().where('key', '=', `second-factor:${alice.id}`).execute()).toEqual([]);
    await closeUnlockDb();
    expect((await runCli(['user', 'disable', 'bob@contoso.com', '--json'], env)).json().status).toBe('disabled');
    expect((await runCli(['user', 'enable', 'bob@contoso.com', '--json'], env)).json().status).toBe('active');
    expect((await runCli(['user', 'set-password', 'bob@contoso.com', '--password-stdin'], env, 'another long password')).code).toBe(0);
    expect((await runCli(['user', 'remove', 'bob@contoso.com'], env)).code).toBe(0);
    const { db, close } = openDatabase(database.url);
    const actions = (await listAuditEvents(db)).map((event) => event.action);
    await close();
    expect(actions).toEqual(expect.arrayContaining(['org.create', 'domain.add', 'user.create', 'user.mfa-enroll', 'user.unlock', 'user.disable', 'user.remove']));
  });

  it('rotates signing keys step by step and prints the Graph federation body', async () => {
    const first = (await runCli(['keys', 'list', '--json'], env)).json();
    expect(first).toEqual([]);
    expect((await runCli(['keys', 'rotate', '--json'], env)).json().step).toBe('create-next');
    const body = (await runCli(['federation', 'show', 'contoso.com', '--protocol', 'saml', '--mfa', 'accept', '--json'], env)).json();
    const keys = (await runCli(['keys', 'list', '--json'], env)).json();
    expect(keys.map((key: { state: string }) => key.state).sort()).toEqual(['current', 'next']);
    expect(body).toMatchObject({
      '@odata.type': '#microsoft.graph.internalDomainFederation',
      issuerUri: 'https://idp.example.com/federation/contoso.com',
      passiveSignInUri: 'https://idp.example.com/federation/contoso.com/saml2',
      signOutUri: 'https://idp.example.com/federation/contoso.com/saml2/logout',
      preferredAuthenticationProtocol: 'saml',
      federatedIdpMfaBehavior: 'acceptIfMfaDoneByFederatedIdp',
      signingCertificate: keys.find((key: { state: string }) => key.state === 'current').certificate,
      nextSigningCertificate: keys.find((key: { state: string }) => key.state === 'next').certificate,
      isSignedAuthenticationRequestRequired: false,
    });
    expect((await runCli(['keys', 'rotate', '--json'], env)).json().step).toBe('activate');
    // Retiring right after activation is refused while nodes may still sign with the old key.
    const tooSoon = await runCli(['keys', 'rotate', '--json'], env);
    expect(tooSoon.code).toBe(1);
    expect(JSON.parse(tooSoon.stderr).error.code).toBe('KEY_ROTATION_TOO_SOON');
    expect((await runCli(['keys', 'list', '--json'], env)).json().map((key: { state: string }) => key.state).sort()).toEqual(['current', 'previous']);
    // No node is serving in this test, so the admin may force it.
    expect((await runCli(['keys', 'rotate', '--force', '--json'], env)).json().step).toBe('retire-previous');
    const after = (await runCli(['keys', 'list', '--json'], env)).json();
    expect(after.map((key: { state: string }) => key.state)).toEqual(['current']);
  });

  it('answers bad input with a stable code and a non-zero exit, changing nothing', async () => {
    const cases: Array<[string[], string, number, string?]> = [
      [['user', 'add', 'not-an-upn'], 'UPN_INVALID', 1],
      [['user', 'add', 'carol@unknown.example'], 'DOMAIN_NOT_FOUND', 1],
      [['user', 'add', 'alice@contoso.com'], 'USER_EXISTS', 1],
      [['user', 'add', 'dave@contoso.com', '--immutable-id', 'has_underscore'], 'IMMUTABLE_ID_INVALID', 1],
      [['user', 'add', 'dave@contoso.com', '--usage-location', 'Netherlands'], 'USAGE_LOCATION_INVALID', 1],
      [['user', 'add', 'erin@contoso.com', '--password-stdin'], 'PASSWORD_TOO_SHORT', 1, 'short'],
      [['user', 'set-password', 'alice@contoso.com', '--password-stdin'], 'SECRET_EMPTY', 1, ''],
      [['org', 'create', 'Bad Slug!'], 'ORG_SLUG_INVALID', 1],
      [['domain', 'add', 'contoso', 'tenant.onmicrosoft.com'], 'DOMAIN_NOT_FEDERATABLE', 1],
      [['domain', 'add', 'nobody', 'x.com'], 'ORG_NOT_FOUND', 1],
      [['federation', 'show', 'contoso.com', '--protocol', 'oidc'], 'USAGE', 2],
      [['user', 'frobnicate'], 'USAGE', 2],
    ];
    for (const [args, code, exitCode, stdin] of cases) {
      const result = await runCli([...args, '--json'], env, stdin);
      expect({ args, exit: result.code, error: JSON.parse(result.stderr).error.code }).toEqual({ args, exit: exitCode, error: code });
    }
    const users = (await runCli(['user', 'list', 'contoso', '--json'], env)).json();
    expect(users.map((user: { upn: string }) => user.upn)).toEqual(['alice@contoso.com']);
  });
});
