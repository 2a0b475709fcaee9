import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServer } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let server: PostgresServer | undefined;

/**
 * Starts one private PostgreSQL for the whole run (or uses LANYARD_TEST_POSTGRES_URL, an admin
 * connection to an existing server). Each test suite then creates its own database in it.
 */
export async function setup(project: TestProject): Promise<void> {
  // Tests run `lanyard` and `lanyard-agent` as the product ships them: compiled in dist/. The build
  // is incremental, so this costs little when nothing changed, and a test never runs a stale build.
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  const external = process.env.LANYARD_TEST_POSTGRES_URL;
  if (external) {
    project.provide('postgresUrl', external);
    return;
  }
  server = await startPostgres();
  project.provide('postgresUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
