import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LanyardError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { createJobRunner, type JobDefinition } from '../../core/jobs/job-runner.ts';
import { claimNextJob, enqueueJob, findJob, findJobByKey, listJobs } from '../../core/jobs/job-store.ts';
import { openDatabase, type OpenedDatabase } from '../../core/db/database.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { createManualClock, type ManualClock } from '../harness/manual-clock.ts';

const logger = createLogger('error');

/**
 * The one job runner every module's background work goes through. Each guarantee it gives is
 * tested on SQLite and PostgreSQL with a manual clock: idempotent enqueueing, one holder per job
 * (two "nodes" racing on one database), retries with backoff, attempts that run out, take-over of a
 * dead node's job when its lease expires, periodic jobs, and draining on shutdown.
 */
describe.each(dialects)('job runner on %s', (dialect) => {
  let database: TestDatabase;
  let secondNode: OpenedDatabase;
  let clock: ManualClock;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    secondNode = openDatabase(database.url);
  });
  afterAll(async () => {
    await secondNode.close();
    await database.drop();
  });
  beforeEach(async () => {
    await database.db.deleteFrom('jobs').execute();
    clock = createManualClock();
  });

  const runner = (definitions: JobDefinition[], db = database.db, owner?: string) =>
    createJobRunner({ db, dialect, logger, definitions, clock, ...(owner && { owner }) });

  it('enqueues a key once: a second enqueue returns the first job', async () => {
    const first = await enqueueJob(database.db, { kind: 'k', key: 'run:1', payload: { n: 1 } }, clock.now());
    const second = await enqueueJob(database.db, { kind: 'k', key: 'run:1', payload: { n: 2 } }, clock.now());
    expect(second.id).toBe(first.id);
    expect(JSON.parse(second.payload)).toEqual({ n: 1 });
    expect(await listJobs(database.db, { kind: 'k' })).toHaveLength(1);
  });

  it('runs a due job once and records its result', async () => {
    const seen: unknown[] = [];
    const job = await enqueueJob(database.db, { kind: 'echo', payload: { value: 42 } }, clock.now());
    const worker = runner([{ kind: 'echo', run: async (payload) => { seen.push(payload); return { ok: true }; } }]);
    expect(await worker.runDue()).toBe(1);
    expect(await worker.runDue()).toBe(0);
    expect(seen).toEqual([{ value: 42 }]);
    const done = await findJob(database.db, job.id);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 1, leaseOwner: null, lastErrorCode: null });
    expect(JSON.parse(done!.result!)).toEqual({ ok: true });
  });

  it('does not run a job before its time', async () => {
    await enqueueJob(database.db, { kind: 'later', runAt: new Date(clock.now().getTime() + 60_000) }, clock.now());
    const worker = runner([{ kind: 'later', run: async () => undefined }]);
    expect(await worker.runDue()).toBe(0);
    await clock.advance(60_000);
    expect(await worker.runDue()).toBe(1);
  });

  it('retries a failure that may pass, after a backoff, keeping the last error visible', async () => {
    let calls = 0;
    const job = await enqueueJob(database.db, { kind: 'flaky' }, clock.now());
    const worker = runner([{
      kind: 'flaky',
      run: async () => {
        calls += 1;
        if (calls === 1) throw new LanyardError('MICROSOFT_UNREACHABLE', 'Graph did not answer');
        return 'done';
      },
    }]);
    expect(await worker.runDue()).toBe(1);
    expect(await findJob(database.db, job.id)).toMatchObject({ state: 'queued', attempts: 1, lastErrorCode: 'MICROSOFT_UNREACHABLE', runAt: new Date(clock.now().getTime() + 10_000).toISOString() });
    expect(await worker.runDue()).toBe(0);
    await clock.advance(10_000);
    expect(await worker.runDue()).toBe(1);
    expect(await findJob(database.db, job.id)).toMatchObject({ state: 'succeeded', attempts: 2, lastErrorCode: null });
  });

  it('fails at once on an error retrying cannot fix, and after the last attempt otherwise', async () => {
    const permanent = await enqueueJob(database.db, { kind: 'bad-input' }, clock.now());
    const exhausted = await enqueueJob(database.db, { kind: 'down', maxAttempts: 3 }, clock.now());
    const worker = runner([
      { kind: 'bad-input', run: async () => { throw new LanyardError('USAGE_LOCATION_INVALID', 'not a country code'); } },
      { kind: 'down', retryDelaySeconds: () => 1, run: async () => { throw new Error('ECONNREFUSED'); } },
    ]);
    for (let round = 0; round < 5; round += 1) {
      await worker.runDue();
      await clock.advance(1000);
    }
    expect(await findJob(database.db, permanent.id)).toMatchObject({ state: 'failed', attempts: 1, lastErrorCode: 'USAGE_LOCATION_INVALID' });
    expect(await findJob(database.db, exhausted.id)).toMatchObject({ state: 'failed', attempts: 3, lastErrorMessage: 'ECONNREFUSED' });
  });

  it('takes over the job of a node that died, once its lease has expired', async () => {
    const job = await enqueueJob(database.db, { kind: 'long' }, clock.now());
    // A node claims the job and dies without renewing its lease.
    expect(await claimNextJob(database.db, dialect, { kinds: ['long'], owner: 'dead-node', leaseMs: 60_000, now: clock.now() })).toMatchObject({ id: job.id });
    const worker = runner([{ kind: 'long', run: async () => 'resumed' }], secondNode.db);
    expect(await worker.runDue()).toBe(0);
    await clock.advance(60_001);
    expect(await worker.runDue()).toBe(1);
    expect(await findJob(database.db, job.id)).toMatchObject({ state: 'succeeded', attempts: 2 });
  });

  it('gives each job to exactly one of two nodes racing on the same database', async () => {
    for (let index = 0; index < 30; index += 1) await enqueueJob(database.db, { kind: 'race', payload: { index } }, clock.now());
    const runs = new Map<number, number>();
    const definition = (): JobDefinition => ({
      kind: 'race',
      run: async (payload) => {
        const { index } = payload as { index: number };
        runs.set(index, (runs.get(index) ?? 0) + 1);
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const [first, second] = await Promise.all([runner([definition()], database.db, 'node-a').runDue(), runner([definition()], secondNode.db, 'node-b').runDue()]);
    expect(first + second).toBe(30);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(30);
  });

  it('keeps one row per periodic job, runs it on one node and queues its next run', async () => {
    let runs = 0;
    const periodic = (): JobDefinition => ({ kind: 'housekeeping', everySeconds: 600, run: async () => { runs += 1; } });
    const nodeA = runner([periodic()], database.db, 'node-a');
    const nodeB = runner([periodic()], secondNode.db, 'node-b');
    await Promise.all([nodeA.start(), nodeB.start()]);
    await Promise.all([nodeA.stop(), nodeB.stop()]);
    // Started nodes may already have run it once; from here the test drives both by hand.
    const before = runs;
    expect(await listJobs(database.db, { kind: 'housekeeping' })).toHaveLength(1);
    await Promise.all([nodeA.runDue(), nodeB.runDue()]);
    expect(runs - before).toBeLessThanOrEqual(1);
    const row = await findJobByKey(database.db, 'periodic:housekeeping');
    expect(row).toMatchObject({ state: 'queued', attempts: 0 });
    expect(new Date(row!.runAt).getTime()).toBe(clock.now().getTime() + 600_000);
    await clock.advance(600_000);
    expect(await nodeB.runDue()).toBe(1);
  });

  it('waits for running work on stop, and leaves work past the drain limit leased for another node', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => { release = resolve; });
    const quick = await enqueueJob(database.db, { kind: 'quick' }, clock.now());
    const slow = await enqueueJob(database.db, { kind: 'slow' }, clock.now());
    let sawAbort = false;
    const worker = runner([
      { kind: 'quick', run: async () => 'fine' },
      { kind: 'slow', run: async (_payload, job) => { job.signal.addEventListener('abort', () => { sawAbort = true; }); await blocked; return 'too late'; } },
    ], database.db, 'draining-node');
    await worker.start();
    // Let the loop claim both jobs.
    while ((await findJob(database.db, slow.id))?.state !== 'running' || (await findJob(database.db, quick.id))?.state !== 'succeeded') await new Promise((resolve) => setImmediate(resolve));
    const stopped = worker.stop({ drainMs: 25_000 });
    await clock.advance(25_000);
    await stopped;
    expect(sawAbort).toBe(true);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await findJob(database.db, quick.id)).toMatchObject({ state: 'succeeded' });
    // Not marked done or failed by the node that gave up on it: still leased, to expire and be taken over.
    expect(await findJob(database.db, slow.id)).toMatchObject({ state: 'running', leaseOwner: 'draining-node', result: null });
    const takeover = runner([{ kind: 'slow', run: async () => 'resumed' }], secondNode.db, 'next-node');
    // Past any lease the drained node may have renewed before it gave up.
    await clock.advance(120_000);
    expect(await takeover.runDue()).toBe(1);
    expect(await findJob(database.db, slow.id)).toMatchObject({ state: 'succeeded', leaseOwner: null });
  });

  it('stops a job whose lease another node took, without recording its result', async () => {
    const job = await enqueueJob(database.db, { kind: 'stolen' }, clock.now());
    let aborted = false;
    const worker = runner([{
      kind: 'stolen',
      leaseSeconds: 30,
      run: async (_payload, running) => {
        await database.db.updateTable('jobs').set({ leaseOwner: 'other-node' }).where('id', '=', running.id).execute();
        // The next renewal (a third of the lease) finds the lease gone and aborts the job.
        const abortedNow = new Promise((resolve) => running.signal.addEventListener('abort', resolve, { once: true }));
        await clock.advance(10_000);
        await abortedNow;
        aborted = running.signal.aborted;
        return 'lost';
      },
    }], database.db, 'first-node');
    await worker.runDue();
    expect(aborted).toBe(true);
    expect(await findJob(database.db, job.id)).toMatchObject({ state: 'running', leaseOwner: 'other-node', result: null });
  });
});
