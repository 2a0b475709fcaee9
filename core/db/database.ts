import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { CamelCasePlugin, Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import { useNamedStatements } from './named-statements.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  readonly db: Db;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

/**
 * Opens the database named by `url`: `postgres://` / `postgresql://` selects PostgreSQL (multi-node
 * mode); anything else is a SQLite file path (optionally `sqlite:` prefixed), the embedded default.
 *
 * @example
 *   const { db } = openDatabase('postgres://lanyard@localhost/lanyard');
 *   const { db: local } = openDatabase('./data/lanyard.sqlite');
 */
export function openDatabase(url: string): OpenedDatabase {
  const plugins = [new CamelCasePlugin()];
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection dropped by the server (restart, failover) must not crash the process:
    // the pool discards it and the next query opens a new one.
    pool.on('error', () => {});
    useNamedStatements(pool);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL lets readers proceed during a write; busy_timeout waits for another process's write
  // (CLI commands run while the server is up) instead of failing with SQLITE_BUSY.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), plugins });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; on SQLite preparing costs about as much as running a small
 * query. Reusing prepared statements by SQL text (bounded, oldest dropped first) removes that cost.
 * Safe because Kysely runs one query at a time on its single connection.
 */
function withStatementCache(sqlite: SQLite.Database, capacity = 500) {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = sqlite.prepare(sqlText);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}

/**
 * Brings the schema up to date. Each step's result is reported; the first failure stops the run
 * with DB_MIGRATION_FAILED naming the step (Kysely runs each step in a transaction where the
 * dialect allows, so a failed step leaves nothing half-applied).
 */
export async function migrateToLatest(db: Db, migrations: Readonly<Record<string, Migration>>): Promise<readonly string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableName: 'lanyard_migrations',
    migrationLockTableName: 'lanyard_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new MigrationError(failed?.migrationName ?? '(setup)', error);
  }
  return (results ?? []).map((result) => result.migrationName);
}

/** A migration step failed; nothing of that step was applied. The context turns it into DB_MIGRATION_FAILED. */
export class MigrationError extends Error {
  readonly code = 'DB_MIGRATION_FAILED';
  constructor(readonly migrationName: string, cause: unknown) {
    super(`migration ${migrationName} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

/** True when `error` is a unique-constraint violation on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Current time as the ISO-8601 text every table stores. */
export function nowIso(now: Date = new Date()): string {
  return now.toISOString();
}
