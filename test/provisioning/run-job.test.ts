import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner } from '../../core/jobs/job-runner.ts';
import { enqueueJob, findJob } from '../../core/jobs/job-store.ts';
import { createLogger } from '../../core/logger.ts';
import type { JobQueue } from '../../core/module.ts';
import { requireOrganization } from '../../idp/accounts/organizations.ts';
import { findRun, listOrphanedRuns } from '../../provisioning/data/provisioning-runs.ts';
import { newLeaseOwner, type ProvisioningDeps } from '../../provisioning/runs/run-context.ts';
import { provisioningRunJob, startRunAsJob } from '../../provisioning/runs/run-job.ts';
import { claimInterruptedRun, executeRun, requestRun } from '../../provisioning/runs/run-service.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { createManualClock, type ManualClock } from '../harness/manual-clock.ts';
import { addAccounts, connectOrganization, tenantUsersOf } from './provisioning-fixture.ts';

/**
 * A run handed to the job runner (the admin API's way): reserved for its job so that no other
 * node's worker resumes it meanwhile, worked by whichever runner claims the job, and safe to repeat.
 * Invariants: the job ends as the run ended (succeeded, or failed with the run's error); a job
 * repeated after its run finished only reports it; a run another process is working is looked at
 * again later, not worked twice; a reservation nobody claims expires, and the worker resumes the run.
 */
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startTrustedEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe.each(dialects)('provisioning runs as jobs on %s', (dialect) => {
  let database: TestDatabase;
  let clock: ManualClock;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.drop();
  });

  async function setUp() {
    clock = createManualClock(new Date());
    // Each test's runner sees only its own jobs.
    await database.db.deleteFrom('jobs').execute();
    const org = await connectOrganization(emulator, database.db);
    const deps: ProvisioningDeps = { ...org.deps, clock };
    const queue: JobQueue = { enqueue: (job) => enqueueJob(database.db, job, clock.now()) };
    const runner = createJobRunner({ db: database.db, dialect, logger: createLogger('silent'), clock, definitions: [provisioningRunJob(deps)] });
    const organization = await requireOrganization(database.db, org.slug);
    const start = () => startRunAsJob(deps, queue, { organization, kind: 'export', dryRun: false, confirm: false, trigger: 'api', requestedBy: 'api:test' });
    return { org, deps, runner, organization, start };
  }

  it('reserves the run for its job: no worker resumes it and no request takes it over until the job works it', async () => {
    const { org, deps, runner, organization, start } = await setUp();
    await addAccounts(database.db, org.managed, ['ann', 'bob']);
    const { run, job } = await start();
    expect(run).toMatchObject({ status: 'running', leaseOwner: null, attempts: 0, leaseExpiresAt: new Date(clock.now().getTime() + deps.leaseSeconds * 1000).toISOString() });
    expect(job).toMatchObject({ kind: 'provisioning.run', key: `provisioning-run:${run.id}`, state: 'queued' });
    await expect(start()).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS', details: { runId: run.id } });
    expect((await listOrphanedRuns(database.db, clock.now())).map((orphan) => orphan.id)).not.toContain(run.id);
    await expect(requestRun(deps, { organization, kind: 'export', dryRun: false, confirm: false, trigger: 'cli', requestedBy: 'cli' })).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS', message: expect.stringContaining('already running') });

    expect(await runner.runDue()).toBe(1);
    expect(await findJob(database.db, job.id)).toMatchObject({ state: 'succeeded', attempts: 1, result: JSON.stringify({ runId: run.id, status: 'completed' }) });
    expect(await findRun(database.db, run.id)).toMatchObject({ status: 'completed', attempts: 1, processed: 2 });

    // Repeated (its node died before the job was marked done): the finished run is only reported.
    const before = emulator.state.requestLog.length;
    await expect(provisioningRunJob(deps).run({ runId: run.id }, { id: job.id, attempt: 2, signal: new AbortController().signal })).resolves.toEqual({ runId: run.id, status: 'completed' });
    expect(emulator.state.requestLog.length).toBe(before);
    expect(tenantUsersOf(org.tenant, org.managed)).toHaveLength(2);
  });

  it('looks again later at a run another process took over, and ends as that run ended', async () => {
    const { org, deps, runner, start } = await setUp();
    await addAccounts(database.db, org.managed, ['cat']);
    const { run, job } = await start();
    // `lanyard runs resume` on another host takes the reserved run first.
    const elsewhere: ProvisioningDeps = { ...deps, owner: newLeaseOwner() };
    expect(await claimInterruptedRun(elsewhere, run.id)).toBe(true);
    expect(await runner.runDue()).toBe(1);
    expect(await findJob(database.db, job.id)).toMatchObject({ state: 'queued', attempts: 1, lastErrorCode: 'RUN_HELD' });
    expect(await executeRun(elsewhere, run.id)).toMatchObject({ status: 'completed' });
    await clock.advance(10_000);
    expect(await runner.runDue()).toBe(1);
    expect(await findJob(database.db, job.id)).toMatchObject({ state: 'succeeded', attempts: 2, lastErrorCode: null });
    expect(tenantUsersOf(org.tenant, org.managed)).toHaveLength(1);
  });

  it('a stopping node stops the run at a page boundary and leaves it to be resumed, nothing lost or doubled', async () => {
    const { org, deps, runner, start } = await setUp();
    await addAccounts(database.db, org.managed, ['dan', 'eve']);
    const { run, job } = await start();
    // The node is stopping before it gets to the first page.
    const stopping = new AbortController();
    stopping.abort();
    await expect(provisioningRunJob(deps).run({ runId: run.id }, { id: job.id, attempt: 1, signal: stopping.signal })).rejects.toMatchObject({ code: 'RUN_INTERRUPTED' });
    expect(await findRun(database.db, run.id)).toMatchObject({ status: 'running', leaseOwner: deps.owner, processed: 0 });
    // Another node's runner works the job once the run's lease has expired.
    const nextNode = createJobRunner({ db: database.db, dialect, logger: createLogger('silent'), clock, definitions: [provisioningRunJob({ ...deps, owner: newLeaseOwner() })] });
    await clock.advance(deps.leaseSeconds * 1000 + 1);
    expect(await nextNode.runDue()).toBe(1);
    expect(await runner.runDue()).toBe(0);
    expect(await findJob(database.db, job.id)).toMatchObject({ state: 'succeeded' });
    expect(await findRun(database.db, run.id)).toMatchObject({ status: 'completed', processed: 2, attempts: 2 });
    expect(tenantUsersOf(org.tenant, org.managed)).toHaveLength(2);
  });

  it('a reservation no runner claims expires, and the run is then an orphan for the worker', async () => {
    const { deps, start } = await setUp();
    const { run } = await start();
    await clock.advance(deps.leaseSeconds * 1000);
    expect((await listOrphanedRuns(database.db, clock.now())).map((orphan) => orphan.id)).not.toContain(run.id);
    await clock.advance(1);
    expect((await listOrphanedRuns(database.db, clock.now())).map((orphan) => orphan.id)).toContain(run.id);
  });
});
