import { sql } from 'kysely';
import type { Db } from './database.ts';

/**
 * Failure counters for sign-in throttling, in the database so every node sees the same counts.
 * Fixed windows: the first failure opens a window of `windowSeconds`; failures after it closes
 * start a new one. The upsert is a single statement, so concurrent failures are all counted.
 */
export async function recordFailure(db: Db, key: string, windowSeconds: number, now: Date = new Date()): Promise<void> {
  const nowText = now.toISOString();
  const cutoff = new Date(now.getTime() - windowSeconds * 1000).toISOString();
  await db
    .insertInto('throttleCounters')
    .values({ key, windowStartedAt: nowText, failures: 1 })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({
        failures: sql<number>`CASE WHEN throttle_counters.window_started_at < ${cutoff} THEN 1 ELSE throttle_counters.failures + 1 END`,
        windowStartedAt: sql<string>`CASE WHEN throttle_counters.window_started_at < ${cutoff} THEN ${nowText} ELSE throttle_counters.window_started_at END`,
      }),
    )
    .execute();
}

/** Failures in the current window and when that window ends (undefined when none). */
export async function readFailures(
  db: Db,
  key: string,
  windowSeconds: number,
  now: Date = new Date(),
): Promise<{ failures: number; windowEndsAt: Date | undefined }> {
  const row = await db.selectFrom('throttleCounters').selectAll().where('key', '=', key).executeTakeFirst();
  if (!row) return { failures: 0, windowEndsAt: undefined };
  const windowEndsAt = new Date(Date.parse(row.windowStartedAt) + windowSeconds * 1000);
  if (windowEndsAt <= now) return { failures: 0, windowEndsAt: undefined };
  return { failures: row.failures, windowEndsAt };
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('throttleCounters').where('key', '=', key).execute();
}
