import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { setAutoProvisioning } from '../../provisioning/runs/run-admin.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { freePort } from '../harness/free-port.ts';
import { addAccounts, connectOrganization, tenantUsersOf } from '../provisioning/provisioning-fixture.ts';

const entry = path.resolve(import.meta.dirname, '../../bin/lanyard.mjs');

/**
 * `lanyard serve` as an admin runs it (a real process, configuration from the environment, the
 * emulator's CA trusted through NODE_EXTRA_CA_CERTS): it answers readiness, runs the provisioning
 * worker (a new account of an auto-provisioned organization reaches the tenant without a manual
 * run) and stops cleanly on SIGTERM.
 */
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startTrustedEmulator();
});
afterAll(async () => emulator?.close());

describe.each(dialects)('lanyard serve process on %s', (dialect) => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-serve-'));
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves, auto-provisions a new account, and stops on SIGTERM', async () => {
    const masterKey = randomBytes(32);
    const org = await connectOrganization(emulator, database.db, {}, { masterKey });
    await setAutoProvisioning(database.db, org.slug, true, 'test');
    const port = await freePort();
    const server = spawn(process.execPath, [entry, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        LANYARD_DATA_DIR: dataDir,
        LANYARD_DATABASE_URL: database.url,
        LANYARD_MASTER_KEY: masterKey.toString('base64'),
        PORT: String(port),
        LANYARD_PUBLIC_URL: `http://127.0.0.1:${port}`,
        LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl,
        LANYARD_GRAPH_URL: emulator.baseUrl,
        NODE_EXTRA_CA_CERTS: emulator.caCertPath,
        LANYARD_PROVISIONING_POLL_SECONDS: '0.5',
        LANYARD_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status, { timeout: 30_000, interval: 200 }).toBe(200);
      const [account] = await addAccounts(database.db, org.managed, ['served']);
      await expect
        .poll(() => tenantUsersOf(org.tenant, org.managed).map((user) => user.userPrincipalName), { timeout: 20_000, interval: 200 })
        .toContain(account!.upn);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
  }, 90_000);
});
