import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob } from '../../core/jobs/job-store.ts';
import type { JobQueue } from '../../core/module.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import type { CspPartner } from '../../csp/data/tables.ts';
import { latestPartnerSync, startPartnerSync } from '../../csp/jobs/partner-sync-job.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { testPartner } from './partner-fixture.ts';

/**
 * "Run sync now" on SQLite and PostgreSQL: one queued or running sync per partner (a second ask,
 * also at the same moment, answers the same job), a new one once it has finished, and each
 * partner's last job found by its key alone.
 */
describe.each(dialects)('one partner\'s "sync now" job on %s', (dialect) => {
  let database: TestDatabase;
  let alpha: CspPartner;
  let beta: CspPartner;
  let jobs: JobQueue;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    alpha = (await insertPartner(database.db, testPartner('alpha', { isDefault: true })))!;
    beta = (await insertPartner(database.db, testPartner('beta')))!;
    jobs = { enqueue: (job) => enqueueJob(database.db, job) };
  });
  afterAll(async () => {
    await database.drop();
  });

  it('queues one job for two asks at once, then a new one after it finished; partners do not share', async () => {
    expect(await latestPartnerSync(database.db, alpha)).toBeUndefined();
    const [first, second] = await Promise.all([startPartnerSync(database.db, jobs, alpha, 'user:pat@host.com'), startPartnerSync(database.db, jobs, alpha, 'user:op@host.com')]);
    expect(second.id).toBe(first.id);
    expect(first).toMatchObject({ state: 'queued', result: null });
    expect((await startPartnerSync(database.db, jobs, alpha, 'user:op@host.com')).id).toBe(first.id);
    const other = await startPartnerSync(database.db, jobs, beta, 'user:op@host.com');
    expect(other.id).not.toBe(first.id);

    await database.db.updateTable('jobs').set({ state: 'succeeded', result: JSON.stringify({ customersImported: true, relationshipsRead: true, counts: { customers: 2 } }), finishedAt: new Date().toISOString() }).where('id', '=', first.id).execute();
    expect(await latestPartnerSync(database.db, alpha)).toMatchObject({ id: first.id, state: 'succeeded', result: { counts: { customers: 2 } } });
    const next = await startPartnerSync(database.db, jobs, alpha, 'user:pat@host.com');
    expect(next.id).not.toBe(first.id);
    expect(next).toMatchObject({ state: 'queued', requestedBy: 'user:pat@host.com' });
    expect((await latestPartnerSync(database.db, alpha))!.id).toBe(next.id);
    expect((await latestPartnerSync(database.db, beta))!.id).toBe(other.id);
  });
});
