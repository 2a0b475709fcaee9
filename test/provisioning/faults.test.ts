import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { requireOrganization } from '../../idp/accounts/organizations.ts';
import { setDefaultLicences } from '../../provisioning/licences/licences.ts';
import { runProvisioning, setDefaultUsageLocation, showRun } from '../../provisioning/runs/run-admin.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { addAccounts, connectOrganization, e3, tenantUsersOf, type ConnectedOrganization } from './provisioning-fixture.ts';

/**
 * Graph misbehaving: throttling storms (per-member 429 with Retry-After), 5xx and failures in the
 * middle of a batch, a connection closed after Graph applied a batch, and a refusal for one
 * account. The invariant: every account ends up in the tenant exactly once, and every refusal is
 * reported for its account while the run goes on.
 */
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startTrustedEmulator();
});
afterAll(async () => {
  await emulator.close();
});

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${emulator.baseUrl}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  if (response.status !== 204) throw new Error(`fault refused: ${await response.text()}`);
}

const names = (count: number) => Array.from({ length: count }, (_, index) => `person${String(index).padStart(4, '0')}`);

function expectEachOnce(org: ConnectedOrganization, count: number): void {
  const upns = tenantUsersOf(org.tenant, org.managed).map((user) => user.userPrincipalName);
  expect(upns).toHaveLength(count);
  expect(new Set(upns).size).toBe(count);
}

describe.each(dialects)('export under Graph faults on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.drop();
    await fetch(`${emulator.baseUrl}/_emulator/faults`, { method: 'DELETE' });
  });

  const exportRun = (org: ConnectedOrganization) =>
    runProvisioning(org.deps, { organization: org.slug, kind: 'export', dryRun: false, confirm: false, requestedBy: 'test', trigger: 'cli' });

  it('rides out a 429 storm: waits Retry-After per batch member, loses and duplicates nothing', async () => {
    const org = await connectOrganization(emulator, database.db, {
      skus: [{ skuId: e3, skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: 1000 }],
      // 60 writes per second: 150 accounts with licences are 300 writes, so most batches meet 429s.
      throttle: { writesPerWindow: 60, writeWindowSeconds: 1 },
    });
    const organization = await requireOrganization(database.db, org.slug);
    await setDefaultLicences(database.db, (await org.deps.openGraph(org.organizationId)).client, organization, [e3], 'test');
    await setDefaultUsageLocation(database.db, org.slug, 'US', 'test');
    await addAccounts(database.db, org.managed, names(150));
    const { run } = await exportRun(org);
    expect(run.status).toBe('completed');
    expect(run.throttledCount).toBeGreaterThan(0);
    expect(JSON.parse(run.counts)).toEqual({ created: 150 });
    expectEachOnce(org, 150);
    expect(tenantUsersOf(org.tenant, org.managed).every((user) => user.assignedLicenses.length === 1)).toBe(true);
  });

  it('retries 5xx (alone and mid-batch) and a connection closed after Graph applied the batch', async () => {
    const org = await connectOrganization(emulator, database.db);
    await addAccounts(database.db, org.managed, names(90));
    await injectFault({ pathPattern: '^/v1\\.0/users$', method: 'POST', status: 503, skip: 7, count: 3 });
    await injectFault({ pathPattern: '^/v1\\.0/\\$batch$', status: 502, skip: 1, count: 1 });
    await injectFault({ pathPattern: '^/v1\\.0/\\$batch$', dropConnection: 'after', skip: 2, count: 1 });
    await injectFault({ pathPattern: '^/v1\\.0/users$', method: 'GET', status: 429, retryAfterSeconds: 0, count: 2 });
    const { run } = await exportRun(org);
    expect(run.status).toBe('completed');
    expect(JSON.parse(run.counts)).toEqual({ created: 90 });
    expectEachOnce(org, 90);
    const recovered = (await showRun(database.db, run.id, { limit: 1000 })).results.filter((result) => result.microsoftObjectId);
    expect(recovered).toHaveLength(90);
  });

  it('reports an account Graph refuses and goes on with the others', async () => {
    const org = await connectOrganization(emulator, database.db);
    await addAccounts(database.db, org.managed, names(30));
    await injectFault({ pathPattern: '^/v1\\.0/users$', method: 'POST', status: 400, skip: 4, count: 1 });
    const { run } = await exportRun(org);
    expect(run.status).toBe('completed');
    expect(JSON.parse(run.counts)).toEqual({ created: 29, failed: 1 });
    const failed = (await showRun(database.db, run.id, { outcomes: ['failed'] })).results;
    expect(failed).toEqual([expect.objectContaining({ upn: `person0004@${org.managed}`, reason: 'GRAPH_Request_BadRequest' })]);
    expectEachOnce(org, 29);
    const { run: again } = await exportRun(org);
    expect(JSON.parse(again.counts)).toEqual({ created: 1, unchanged: 29 });
  });
});
