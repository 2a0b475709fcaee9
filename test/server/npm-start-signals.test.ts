import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.ts';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * `npm start` as a service manager or a person runs it: npm starts the script through `sh -c`, so a
 * signal npm forwards must reach the server itself, not a shell that dies and leaves the server
 * running with the port taken. SIGTERM and SIGINT to npm stop the server and free the port.
 */
describe('npm start and signals', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-npm-start-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const portAnswers = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm stops the server and frees its port', async (signal) => {
    const port = await freePort();
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dataDir,
        LANYARD_DATA_DIR: path.join(dataDir, signal),
        PORT: String(port),
        LANYARD_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    npm.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    try {
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status, { timeout: 40_000, interval: 250 }).toBe(200);
      npm.kill(signal);
      await exited;
      await expect.poll(() => portAnswers(port), { timeout: 10_000, interval: 100 }).toBe(false);
    } finally {
      npm.kill('SIGKILL');
    }
    expect(stderr).not.toMatch(/INTERNAL_ERROR/);
  }, 90_000);
});
