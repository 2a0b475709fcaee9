import path from 'node:path';
import type { Logger } from './logger.ts';
import { createLogger } from './logger.ts';
import { createSecretBox, type SecretBox } from './secret-box.ts';
import type { Migration } from 'kysely';
import { MigrationError, migrateToLatest, openDatabase, type Db, type Dialect } from './db/database.ts';
import { LanyardError } from './errors.ts';
import type { Config } from './config.ts';
import { loadMasterKey } from './master-key.ts';

/**
 * Everything a request handler or a command needs, built once per process: validated config, the
 * migrated database, the secret box and the logger. Passed explicitly; there is no global state.
 */
export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly dialect: Dialect;
  readonly masterKey: Buffer;
  readonly secretBox: SecretBox;
  readonly logger: Logger;
  close(): Promise<void>;
}

/**
 * Opens and migrates the database with `migrations` (every module's: see server/modules.ts) and
 * loads the master key.
 */
export async function createAppContext(config: Config, options: { migrations: Readonly<Record<string, Migration>>; logger?: Logger }): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const url = config.databaseUrl ?? path.join(config.dataDir, 'lanyard.sqlite');
  const { db, dialect, close } = openDatabase(url);
  try {
    const applied = await migrateToLatest(db, options.migrations).catch((error: unknown) => {
      throw error instanceof MigrationError ? new LanyardError(error.code, error.message, { migration: error.migrationName }) : error;
    });
    if (applied.length > 0) logger.info('database migrated', { applied, dialect });
    const masterKey = loadMasterKey(config, logger);
    return { config, db, dialect, masterKey, secretBox: createSecretBox(masterKey), logger, close };
  } catch (error) {
    await close();
    throw error;
  }
}
