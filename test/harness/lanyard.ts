import { loadLanyardConfig, openLanyard } from '../../server/modules.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../core/logger.ts';
import type { Dialect } from '../../core/db/database.ts';
import { createServer, type LanyardServer } from '../../server/app.ts';
import type { AppContext } from '../../core/context.ts';
import type { Clock } from '../../core/clock.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export interface RunningLanyard {
  readonly url: string;
  readonly context: AppContext;
  readonly server: LanyardServer;
  readonly database: TestDatabase;
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * A real Lanyard server in this process, on a fresh database of the given dialect, listening on a
 * free loopback port. PUBLIC_URL is the listening URL, so issuers and links are real.
 * `env` overrides configuration (e.g. LANYARD_MICROSOFT_LOGIN_URL pointing at the emulator).
 * Its job runner is not started: a test runs due jobs with `server.jobs.runDue()` (on `clock`).
 */
export async function startLanyard(dialect: Dialect, env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<RunningLanyard> {
  const database = await createTestDatabase(dialect);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-data-'));
  const port = await import('./free-port.ts').then(({ freePort }) => freePort());
  const fullEnv: Record<string, string> = {
    LANYARD_DATA_DIR: dataDir,
    LANYARD_DATABASE_URL: database.url,
    LANYARD_MASTER_KEY: randomBytes(32).toString('base64'),
    // With LANYARD_TLS_CERT_FILE in `env` the server speaks HTTPS, and so does its public URL.
    LANYARD_PUBLIC_URL: `${env.LANYARD_TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${port}`,
    PORT: String(port),
    // Fast hashes keep tests quick; the production cost is measured in `npm run bench`.
    LANYARD_PASSWORD_HASH_COST: '10',
    LANYARD_LOG_LEVEL: 'silent',
    ...env,
  };
  const config = loadLanyardConfig(fullEnv);
  const context = await openLanyard(config, { logger: createLogger('silent') });
  const server = await createServer(context, { clock: options.clock });
  const listening = await server.listen(port, '127.0.0.1');
  return {
    url: listening.url,
    context,
    server,
    database,
    env: fullEnv,
    async stop() {
      await listening.close();
      await context.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
