import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const entry = path.resolve(import.meta.dirname, '../../bin/lanyard.mjs');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = any>(): T;
}

/** Runs the real `lanyard` command in a child process, with `stdin` piped in when given. */
export function runCli(args: readonly string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * The environment of an installation for `runCli`: a database, a data dir, a fresh master key,
 * a fixed public URL and a fast password hash (the production cost is measured in the bench).
 */
export function cliEnvironment(databaseUrl: string, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LANYARD_DATA_DIR: dataDir,
    LANYARD_DATABASE_URL: databaseUrl,
    LANYARD_MASTER_KEY: randomBytes(32).toString('base64'),
    LANYARD_PUBLIC_URL: 'https://idp.example.com',
    LANYARD_PASSWORD_HASH_COST: '10',
    ...extra,
  };
}
