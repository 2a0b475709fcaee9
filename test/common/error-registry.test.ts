import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../core/error-codes.ts';
import { LanyardError } from '../../core/errors.ts';
import { errorHandler } from '../../core/http/error-handler.ts';
import { createLogger } from '../../core/logger.ts';

/**
 * The error registry decides each code's status, and the one renderer shows what a caller may see:
 * the message of 4xx and 503 errors with their details (unless the registry keeps them for the
 * log), never a server fault's.
 */
describe('error registry and renderer', () => {
  let server: http.Server;
  let url: string;
  const raise: Record<string, () => never> = {
    running: () => { throw new LanyardError('RUN_IN_PROGRESS', 'run r-1 is already running', { runId: 'r-1' }); },
    throttled: () => { throw new LanyardError('SIGNIN_THROTTLED', 'Too many failed attempts.', { retryAfterSeconds: 90, scope: 'password-unfamiliar' }); },
    fault: () => { throw new LanyardError('DB_MIGRATION_FAILED', 'migration 0009 failed: disk full', { migration: '0009' }); },
    relayed: () => { throw LanyardError.relayed('SYNC_LEASE_HELD', 'another agent is syncing', 409, { agentId: 'a-2' }); },
  };

  beforeAll(async () => {
    const app = new Koa();
    app.use(errorHandler(createLogger('silent')));
    app.use((ctx) => raise[ctx.path.slice(1)]!());
    server = http.createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const call = async (path: string) => {
    const response = await fetch(`${url}${path}`, { headers: { accept: 'application/json' } });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { error: Record<string, unknown> } };
  };

  it('takes every status from the registry', () => {
    for (const [code, spec] of Object.entries(errorCodes)) {
      if (code === 'RELAYED_ERROR') continue;
      expect(new LanyardError(code as keyof typeof errorCodes, 'x').status).toBe(spec.status);
    }
  });

  it('shows the details a caller may act on', async () => {
    expect(await call('/running')).toMatchObject({ status: 409, body: { error: { code: 'RUN_IN_PROGRESS', message: 'run r-1 is already running', details: { runId: 'r-1' } } } });
  });

  it('keeps details the registry marks for the log only, and still sets Retry-After', async () => {
    const answer = await call('/throttled');
    expect(answer).toMatchObject({ status: 429, retryAfter: '90', body: { error: { code: 'SIGNIN_THROTTLED' } } });
    expect(answer.body.error.details).toBeUndefined();
  });

  it('shows neither message nor details of a server fault', async () => {
    const answer = await call('/fault');
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toMatch(/disk full|0009/);
  });

  it('relays another process\'s error with its own code and status', async () => {
    expect(await call('/relayed')).toMatchObject({ status: 409, body: { error: { code: 'SYNC_LEASE_HELD', details: { agentId: 'a-2' } } } });
  });
});
