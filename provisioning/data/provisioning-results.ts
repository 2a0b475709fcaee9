import { sql } from 'kysely';
import type { Db } from '../../core/db/database.ts';
import type { ProvisioningOutcome, ProvisioningResult } from './tables.ts';

/**
 * Per-account results of a run, one row per (run, UPN). Inserting a result that is already there
 * does nothing: a resumed run can never report an account twice.
 *
 * @example
 *   await insertResults(db, [{ runId, subject: 'a@contoso.com', outcome: 'created', ... }]);
 */
export async function insertResults(db: Db, results: readonly ProvisioningResult[]): Promise<void> {
  // 9 columns per row: stay well under SQLite's 32,766 bound parameters.
  for (let start = 0; start < results.length; start += 500) {
    await db
      .insertInto('provisioningResults')
      .values(results.slice(start, start + 500))
      .onConflict((conflict) => conflict.columns(['runId', 'subject']).doNothing())
      .execute();
  }
}

/** Which of `subjects` already have a result in this run. */
export async function findRecordedSubjects(db: Db, runId: string, subjects: readonly string[]): Promise<Set<string>> {
  if (subjects.length === 0) return new Set();
  const rows = await db.selectFrom('provisioningResults').select('subject').where('runId', '=', runId).where('subject', 'in', [...subjects]).execute();
  return new Set(rows.map((row) => row.subject));
}

/** One page of results in UPN order; pass the last subject seen as `after`; `search`: only UPNs containing it. */
export async function listResults(
  db: Db,
  runId: string,
  options: { after?: string; limit?: number; outcomes?: readonly ProvisioningOutcome[]; search?: string } = {},
): Promise<ProvisioningResult[]> {
  let query = db.selectFrom('provisioningResults').selectAll().where('runId', '=', runId).orderBy('subject').limit(options.limit ?? 1000);
  if (options.after !== undefined) query = query.where('subject', '>', options.after);
  if (options.outcomes) query = query.where('outcome', 'in', [...options.outcomes]);
  const search = options.search?.trim().toLowerCase();
  if (search) {
    // The search's own wildcards escaped, so '%' and '_' are only characters.
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<boolean>`lower(subject) like ${pattern} escape '\\'`);
  }
  return query.execute();
}

