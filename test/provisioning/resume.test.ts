import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRun } from '../../provisioning/data/provisioning-runs.ts';
import type { User } from '../../core/db/schema.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { openDatabase } from '../../core/db/database.ts';
import { runProvisioning } from '../../provisioning/runs/run-admin.ts';
import { newLeaseOwner, type ProvisioningDeps } from '../../provisioning/runs/run-context.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { connectOrganization, tenantUsersOf } from './provisioning-fixture.ts';

/**
 * A `lanyard users export` process is killed (SIGKILL: no cleanup, batches possibly in flight)
 * in the middle of a run. Invariant: the next request resumes the same run once its lease has
 * expired — not a millisecond before — and when it is done every account is in the tenant exactly
 * once and reported exactly once. On PostgreSQL two nodes race to resume; exactly one does. The
 * killed export is a real process; the resuming nodes run here on a manual clock, so the lease
 * expires when the test says, with no waiting and no assertion on durations.
 */
let emulator: RunningEmulator;
const entry = path.resolve(import.meta.dirname, '../../bin/lanyard.mjs');
const accountCount = 1200;
const leaseSeconds = 10;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
});
afterAll(async () => {
  await fetch(`${emulator.baseUrl}/_emulator/faults`, { method: 'DELETE' });
  await emulator.close();
});

describe.each(dialects)('a killed export on %s', (dialect) => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-resume-'));
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes where it stopped, without losing or duplicating an account', async () => {
    const masterKey = randomBytes(32);
    const org = await connectOrganization(emulator, database.db, {}, { masterKey });
    const now = new Date().toISOString();
    const accounts: User[] = Array.from({ length: accountCount }, (_, index) => ({
      id: randomUUID(), organizationId: org.organizationId, upn: `p${String(index).padStart(5, '0')}@${org.managed}`, immutableId: randomBytes(16).toString('base64'),
      displayName: `Person ${index}`, givenName: null, surname: null, mail: null, source: 'local', externalId: null, status: 'active',
      passwordHash: null, microsoftObjectId: null, usageLocation: null, createdAt: now, updatedAt: now,
    }));
    for (let start = 0; start < accounts.length; start += 200) await database.db.insertInto('users').values(accounts.slice(start, start + 200)).execute();
    // Slow batches so the kill lands mid-run (and likely mid-page, with creates in flight).
    await fetch(`${emulator.baseUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pathPattern: '^/v1\\.0/\\$batch$', latencyMilliseconds: 120, count: 100_000 }),
    });
    const env = {
      LANYARD_DATA_DIR: dataDir,
      LANYARD_DATABASE_URL: database.url,
      LANYARD_MASTER_KEY: masterKey.toString('base64'),
      LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl,
      LANYARD_GRAPH_URL: emulator.baseUrl,
      LANYARD_PROVISIONING_LEASE_SECONDS: String(leaseSeconds),
      LANYARD_LOG_LEVEL: 'silent',
      NODE_EXTRA_CA_CERTS: emulator.caCertPath,
    };
    const child = spawn(process.execPath, [entry, 'users', 'export', org.slug, '--json'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
    const runId = await waitForProgress(database, org.organizationId, 500, child);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const interrupted = await findRun(database.db, runId);
    expect(interrupted).toMatchObject({ status: 'running' });
    expect(interrupted!.processed).toBeLessThan(accountCount);

    // The resuming nodes work in this process on a manual clock that starts when the dead process
    // last renewed its lease: its expiry is reached by moving the clock, not by waiting for it.
    const leaseEnd = new Date((await findRun(database.db, runId))!.leaseExpiresAt!);
    const clock = createManualClock(new Date(leaseEnd.getTime() - leaseSeconds * 1000));
    const secondConnection = openDatabase(database.url);
    const node = (db = database.db): ProvisioningDeps => ({ ...org.deps, db, owner: newLeaseOwner(), leaseSeconds, clock });
    const request = { organization: org.slug, kind: 'export', dryRun: false, confirm: false, requestedBy: 'test', trigger: 'cli' } as const;
    try {
      // While the dead process's lease lasts, up to its very end, a new request is told which run holds the organization.
      await expect(runProvisioning(node(), request)).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS', details: { runId } });
      await clock.advance(leaseEnd.getTime() - clock.now().getTime());
      await expect(runProvisioning(node(), request)).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS', details: { runId } });
      await clock.advance(1);

      // On PostgreSQL two nodes (two connections) race to resume it.
      const racers = dialect === 'postgres' ? [node(), node(secondConnection.db)] : [node()];
      const outcomes = await Promise.allSettled(racers.map((deps) => runProvisioning(deps, request)));
      const winners = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      expect(winners).toHaveLength(1);
      for (const loser of outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []))) expect(loser).toMatchObject({ code: 'RUN_IN_PROGRESS' });
      expect(winners[0]!.resumed).toBe(true);
      expect(winners[0]!.run).toMatchObject({ id: runId, status: 'completed', processed: accountCount, counts: JSON.stringify({ created: accountCount }) });
    } finally {
      await secondConnection.close();
    }

    const upns = tenantUsersOf(org.tenant, org.managed).map((user) => user.userPrincipalName);
    expect(upns).toHaveLength(accountCount);
    expect(new Set(upns).size).toBe(accountCount);
    const results = await database.db.selectFrom('provisioningResults').select(['subject']).where('runId', '=', runId).execute();
    expect(new Set(results.map((result) => result.subject)).size).toBe(accountCount);
    expect((await findRun(database.db, runId))?.attempts).toBe(2);
  }, 120_000);
});

async function waitForProgress(database: TestDatabase, organizationId: string, processed: number, child: ChildProcess): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`export exited early with ${child.exitCode}`);
    const run = await database.db.selectFrom('provisioningRuns').selectAll().where('organizationId', '=', organizationId).executeTakeFirst();
    if (run && run.processed >= processed) return run.id;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the export made no progress');
}
