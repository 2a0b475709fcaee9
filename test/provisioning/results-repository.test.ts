import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization } from '../../core/db/organizations.ts';
import { insertResults, listResults } from '../../provisioning/data/provisioning-results.ts';
import { insertRun } from '../../provisioning/data/provisioning-runs.ts';
import type { ProvisioningOutcome, ProvisioningResult } from '../../provisioning/data/tables.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/**
 * A run's per-account results page by UPN (keyset: the last UPN seen) without loss or duplicates
 * past 1000, and filter by outcome and by text in the UPN, the same on SQLite and PostgreSQL.
 */
describe.each(dialects)('provisioning results on %s', (dialect) => {
  let database: TestDatabase;
  const runId = randomUUID();
  const special = ['per%cent@contoso.com', 'under_score@contoso.com', 'underxscore@contoso.com'];
  const subjects = [...Array.from({ length: 1203 }, (_, index) => `user-${String(index).padStart(4, '0')}@contoso.com`), ...special];
  const outcomeOf = (index: number): ProvisioningOutcome => (index % 3 === 0 ? 'failed' : 'created');

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const organizationId = (await insertOrganization(database.db, { slug: 'contoso', name: 'Contoso' })).id;
    const now = new Date().toISOString();
    await insertRun(database.db, {
      id: runId, organizationId, kind: 'export', trigger: 'cli', requestedBy: 'cli', status: 'completed', phase: 'done', dryRun: 1, confirmed: 0,
      scopeUserIds: null, leaseOwner: null, leaseExpiresAt: null, attempts: 1, total: subjects.length, processed: subjects.length, counts: '{}',
      throttledCount: 0, errorCode: null, errorMessage: null, createdAt: now, startedAt: now, finishedAt: now,
    });
    const results: ProvisioningResult[] = subjects.map((subject, index) => ({
      runId, subject, outcome: outcomeOf(index), userId: null, microsoftObjectId: null, reasonCode: null, message: null, details: null, recordedAt: now,
    }));
    await insertResults(database.db, results);
  });
  afterAll(async () => {
    await database.drop();
  });

  const all = async (options: Parameters<typeof listResults>[2]) => {
    const seen: string[] = [];
    for (let page = await listResults(database.db, runId, options); page.length > 0; page = await listResults(database.db, runId, { ...options, after: page.at(-1)!.subject })) {
      seen.push(...page.map((result) => result.subject));
    }
    return seen;
  };

  it('pages through every result once, 500 at a time, in the order the database sorts UPNs', async () => {
    const seen = await all({ limit: 500 });
    expect(seen).toHaveLength(subjects.length);
    expect(new Set(seen)).toEqual(new Set(subjects));
    expect(await all({ limit: 1000 })).toEqual(seen);
  });

  it('filters by outcome and by UPN text, case-insensitive, with % and _ as plain characters', async () => {
    expect(await all({ limit: 100, outcomes: ['failed'] })).toHaveLength(subjects.filter((_, index) => outcomeOf(index) === 'failed').length);
    expect(await all({ limit: 7, search: 'USER-011' })).toHaveLength(10);
    expect(await all({ search: 'PER%' })).toEqual(['per%cent@contoso.com']);
    expect(await all({ search: 'r_s' })).toEqual(['under_score@contoso.com']);
    expect(await all({ search: '\\' })).toEqual([]);
    expect(await all({ search: 'user-000', outcomes: ['failed'] })).toEqual(['user-0000@contoso.com', 'user-0003@contoso.com', 'user-0006@contoso.com', 'user-0009@contoso.com']);
    // Blank text is no filter.
    expect(await all({ search: '  ', limit: 1000 })).toHaveLength(subjects.length);
  });
});
