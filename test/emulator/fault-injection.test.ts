import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { fetchAccessToken, graphRequest, seedTenant, startTrustedEmulator, type SeededTenant } from './harness.ts';

/** Faults for provisioning tests: failing the Nth member of a batch, dropped connections; the UPN index after a rename. */
let emulator: RunningEmulator;
let seeded: SeededTenant;
let token: string;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  seeded = seedTenant(emulator, 'litware', ['User.ReadWrite.All'], { domains: [{ id: 'litware.com' }] });
  token = await fetchAccessToken(emulator, seeded);
});
afterAll(async () => {
  await emulator.close();
});

const fault = (body: Record<string, unknown>) =>
  fetch(`${emulator.baseUrl}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const create = (alias: string) => ({
  method: 'POST',
  url: '/users',
  headers: { 'Content-Type': 'application/json' },
  body: { accountEnabled: true, displayName: alias, mailNickname: alias, userPrincipalName: `${alias}@litware.com`, passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' } },
});

describe('fault injection', () => {
  it('fails only the member after `skip` matching ones', async () => {
    expect((await fault({ pathPattern: '^/v1\\.0/users$', method: 'POST', status: 503, skip: 2, count: 1 })).status).toBe(204);
    const result = await graphRequest(emulator, token, 'POST', '/$batch', { requests: ['a1', 'a2', 'a3', 'a4'].map((alias, index) => ({ id: String(index + 1), ...create(alias) })) });
    const statuses = (result.body?.responses as { id: string; status: number }[]).sort((a, b) => Number(a.id) - Number(b.id)).map((response) => response.status);
    expect(statuses).toEqual([201, 201, 503, 201]);
  });

  it('closes the connection after applying the request when asked', async () => {
    await fault({ pathPattern: '^/v1\\.0/users$', method: 'POST', dropConnection: 'after' });
    await expect(graphRequest(emulator, token, 'POST', '/users', create('dropped').body)).rejects.toThrow();
    expect((await graphRequest(emulator, token, 'GET', '/users/dropped@litware.com')).status).toBe(200);
    await fault({ pathPattern: '^/v1\\.0/users$', method: 'POST', dropConnection: 'before' });
    await expect(graphRequest(emulator, token, 'POST', '/users', create('never').body)).rejects.toThrow();
    expect((await graphRequest(emulator, token, 'GET', '/users/never@litware.com')).status).toBe(404);
  });

  it('holds a request until released, and counts the held ones', async () => {
    await fault({ pathPattern: '^/v1\\.0/users/a2@litware\\.com$', method: 'GET', hold: true });
    const held = graphRequest(emulator, token, 'GET', '/users/a2@litware.com');
    const heldCount = async () => ((await (await fetch(`${emulator.baseUrl}/_emulator/faults`)).json()) as { heldRequests: number }).heldRequests;
    await expect.poll(heldCount).toBe(1);
    // Other requests pass meanwhile.
    expect((await graphRequest(emulator, token, 'GET', '/users/a4@litware.com')).status).toBe(200);
    const released = await fetch(`${emulator.baseUrl}/_emulator/faults/release`, { method: 'POST' });
    expect(await released.json()).toEqual({ released: 1 });
    expect((await held).status).toBe(200);
    expect(await heldCount()).toBe(0);
  });

  it('finds a user by the new UPN after a rename, and no longer by the old one', async () => {
    expect((await graphRequest(emulator, token, 'PATCH', '/users/a1@litware.com', { userPrincipalName: 'renamed@litware.com', onPremisesImmutableId: 'anchorA1' })).status).toBe(204);
    expect((await graphRequest(emulator, token, 'GET', '/users/renamed@litware.com')).status).toBe(200);
    expect((await graphRequest(emulator, token, 'GET', '/users/a1@litware.com')).status).toBe(404);
    expect((await graphRequest(emulator, token, 'PATCH', '/users/a2@litware.com', { onPremisesImmutableId: 'anchorA1' })).status).toBe(400);
  });
});
