import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.ts';

/**
 * The emulator as a separate process (`tsx emulator/main.ts`): first stdout line, its own CA (a client
 * trusting only that CA can connect), the seed file, the CA kept across restarts, and the inspect API.
 */
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
});

async function launch(stateDirectory: string): Promise<{ baseUrl: string; caCertPath: string; client: Agent }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulator/main.ts', '--port', String(port), '--seed', 'emulator/seed.example.json', '--state-dir', stateDirectory],
    { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const [firstLine] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  const announced = JSON.parse(firstLine) as { baseUrl: string; caCertPath: string };
  // Only the emulator's CA, not the system roots: the server certificate must chain to it.
  const client = new Agent({ connect: { ca: await readFile(announced.caCertPath, 'utf8') } });
  return { ...announced, client };
}

describe('emulator process', () => {
  it('announces itself, serves the seed over TLS from its own CA, and keeps the CA across restarts', async () => {
    const stateDirectory = await mkdtemp(path.join(tmpdir(), 'emulator-test-'));
    const first = await launch(stateDirectory);
    expect(first.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(first.caCertPath).toBe(path.join(stateDirectory, 'ca.crt'));
    const state = (await (await undiciFetch(`${first.baseUrl}/_emulator/state`, { dispatcher: first.client })).json()) as { tenants: { name: string; domains: { id: string }[] }[] };
    expect(state.tenants.map((tenant) => tenant.name)).toEqual(['contoso', 'fabrikampartner']);
    const realm = (await (await undiciFetch(`${first.baseUrl}/common/userrealm/alice@contoso.com?api-version=1.0`, { dispatcher: first.client })).json()) as Record<string, unknown>;
    expect(realm).toMatchObject({ NameSpaceType: 'Managed', account_type: 'Managed', DomainName: 'contoso.com', cloud_audience_urn: 'urn:federation:MicrosoftOnline' });
    const unknown = (await (await undiciFetch(`${first.baseUrl}/common/userrealm/bob@nowhere.example?api-version=1.0`, { dispatcher: first.client })).json()) as Record<string, unknown>;
    expect(unknown.NameSpaceType).toBe('Unknown');
    const caBefore = await readFile(first.caCertPath, 'utf8');

    for (const child of children.splice(0)) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    const second = await launch(stateDirectory);
    expect(await readFile(second.caCertPath, 'utf8')).toBe(caBefore);
    expect((await undiciFetch(`${second.baseUrl}/_emulator/state`, { dispatcher: second.client })).status).toBe(200);
  });

  it('seeds through the inspect API: 201, 409 on a duplicate, 400 on a bad body, and resets', async () => {
    const { baseUrl, client } = await launch(await mkdtemp(path.join(tmpdir(), 'emulator-test-')));
    const post = (url: string, body: unknown) =>
      undiciFetch(`${baseUrl}${url}`, { method: 'POST', dispatcher: client, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await post('/_emulator/tenants', { name: 'adatum', apps: [{ clientSecret: 's', roles: ['User.Read.All'] }] });
    expect(created.status).toBe(201);
    const tenant = (await created.json()) as { id: string; apps: Record<string, unknown>[]; domains: { id: string; isInitial: boolean }[] };
    expect(tenant.domains).toEqual([expect.objectContaining({ id: 'adatum.onmicrosoft.com', isInitial: true, isDefault: true, isVerified: true })]);
    expect(tenant.apps[0]).not.toHaveProperty('clientSecret');
    expect((await post('/_emulator/tenants', { name: 'adatum' })).status).toBe(409);
    expect((await post('/_emulator/tenants', { name: 'adatum', unexpected: true })).status).toBe(400);
    expect((await post(`/_emulator/tenants/${tenant.id}/domains`, { id: 'adatum.com', isVerified: false })).status).toBe(201);
    expect((await post(`/_emulator/tenants/${tenant.id}/users`, { userPrincipalName: 'x@adatum.com' })).status).toBe(201);
    expect((await post('/_emulator/reset', {})).status).toBe(204);
    const state = (await (await undiciFetch(`${baseUrl}/_emulator/state`, { dispatcher: client })).json()) as { tenants: unknown[] };
    expect(state.tenants).toEqual([]);
  });
});
