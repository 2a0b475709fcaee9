import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { allMigrations } from '../../server/modules.ts';
import { migrateToLatest, openDatabase, type Dialect, type OpenedDatabase } from '../../core/db/database.ts';

export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

/**
 * A fresh, migrated database of the given dialect: a new SQLite file in a temp dir, or a new
 * database in the test PostgreSQL server. `url` lets a test open a second connection (a second
 * "node") to the same data. `drop()` closes and deletes it.
 */
export interface TestDatabase extends OpenedDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  // An empty database (no tables at all) for tests that migrate step by step.
  const migrate = options.migrate ?? true;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-sqlite-'));
    const url = path.join(dir, 'lanyard.sqlite');
    const opened = openDatabase(url);
    if (migrate) await migrateToLatest(opened.db, allMigrations);
    return { ...opened, url, drop: async () => { await opened.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const adminUrl = inject('postgresUrl');
  const name = `lanyard_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const opened = openDatabase(url.toString());
  if (migrate) await migrateToLatest(opened.db, allMigrations);
  return {
    ...opened,
    url: url.toString(),
    drop: async () => {
      await opened.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
