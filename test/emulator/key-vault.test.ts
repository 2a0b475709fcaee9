import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { fetchAccessToken, seedTenant, startTrustedEmulator, type SeededTenant } from './harness.ts';

/**
 * Key Vault secrets (the refresh-token store) over raw fetch, as @azure/keyvault-secrets speaks it:
 * the first unauthenticated call gets the 401 challenge naming the authority and resource, then a
 * client-credentials token for https://vault.azure.net works; secrets are versioned. The SDK itself is
 * not installed in this repository, so the protocol is checked by hand.
 */
const vaultScope = 'https://vault.azure.net/.default';
let emulator: RunningEmulator;
let owner: SeededTenant;
let other: SeededTenant;
let token: string;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  owner = seedTenant(emulator, 'vaultowner', []);
  other = seedTenant(emulator, 'vaultstranger', []);
  token = await vaultToken(owner);
});
afterAll(async () => {
  await emulator.close();
});

async function vaultToken(seeded: SeededTenant): Promise<string> {
  const response = await fetch(`${emulator.baseUrl}/${seeded.tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: seeded.clientId, client_secret: seeded.clientSecret, scope: vaultScope }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function vault(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const separator = path.includes('?') ? '&' : '?';
  const response = await fetch(`${emulator.baseUrl}${path}${separator}api-version=7.4`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

describe('Key Vault challenge', () => {
  it('answers an unauthenticated call with the challenge the SDK reads', async () => {
    const { status, headers, body } = await vault('GET', '/secrets/partner-refresh-token');
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe(`Bearer authorization="${emulator.baseUrl}/${owner.tenant.id}", resource="https://vault.azure.net"`);
    expect(body).toEqual({ error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } });
  });

  it('refuses a Graph token and a token of another tenant', async () => {
    const graphToken = await fetchAccessToken(emulator, owner);
    expect((await vault('GET', '/secrets/x', { token: graphToken })).body.error.message).toMatch(/^AKV10022: Invalid audience/);
    expect((await vault('GET', '/secrets/x', { token: await vaultToken(other) })).body.error.message).toMatch(/^AKV10032: Invalid issuer/);
  });
});

describe('Key Vault secrets', () => {
  it('sets, reads and versions a secret', async () => {
    const first = await vault('PUT', '/secrets/partner-refresh-token', { token, body: { value: 'rt-1', contentType: 'text/plain', tags: { partner: 'contoso' } } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      value: 'rt-1',
      contentType: 'text/plain',
      tags: { partner: 'contoso' },
      attributes: { enabled: true, recoveryLevel: 'Recoverable+Purgeable' },
    });
    expect(first.body.id).toMatch(new RegExp(`^${emulator.baseUrl}/secrets/partner-refresh-token/[0-9a-f]{32}$`));
    expect(first.body.attributes.created).toBe(first.body.attributes.updated);
    expect(Number.isInteger(first.body.attributes.created)).toBe(true);

    const second = await vault('PUT', '/secrets/partner-refresh-token', { token, body: { value: 'rt-2' } });
    expect(second.body.id).not.toBe(first.body.id);
    expect((await vault('GET', '/secrets/partner-refresh-token', { token })).body).toMatchObject({ value: 'rt-2', id: second.body.id });
    const firstVersion = String(first.body.id).split('/').at(-1);
    expect((await vault('GET', `/secrets/partner-refresh-token/${firstVersion}`, { token })).body).toMatchObject({ value: 'rt-1' });

    const versions = await vault('GET', '/secrets/partner-refresh-token/versions', { token });
    expect(versions.body.value.map((item: { id: string }) => item.id)).toEqual([first.body.id, second.body.id]);
    expect(versions.body.value[0].value).toBeUndefined();
    expect(versions.body.nextLink).toBeNull();
  });

  it('answers an unknown secret with 404 SecretNotFound', async () => {
    const { status, body } = await vault('GET', '/secrets/never-set', { token });
    expect(status).toBe(404);
    expect(body.error.code).toBe('SecretNotFound');
    expect(body.error.message).toMatch(/^A secret with \(name\/id\) never-set was not found in this key vault\./);
  });

  it('pages versions by 25 with an absolute nextLink', async () => {
    for (let index = 0; index < 26; index += 1) await vault('PUT', '/secrets/many', { token, body: { value: `v${index}` } });
    const first = await vault('GET', '/secrets/many/versions', { token });
    expect(first.body.value).toHaveLength(25);
    const next = await fetch(first.body.nextLink, { headers: { authorization: `Bearer ${token}` } });
    expect(((await next.json()) as { value: unknown[]; nextLink: null }).value).toHaveLength(1);
  });

  it('refuses a token once expired on the emulator clock', async () => {
    await fetch(`${emulator.baseUrl}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 3600 }) });
    const { status, body } = await vault('GET', '/secrets/partner-refresh-token', { token });
    expect(status).toBe(401);
    expect(body.error.message).toMatch(/^AKV10020/);
  });
});

describe('Key Vault update and delete', () => {
  // The test before moved the emulator clock past the first token's expiry.
  beforeAll(async () => {
    token = await vaultToken(owner);
  });

  it('disables a version: its value is then refused with 403 SecretDisabled', async () => {
    const first = await vault('PUT', '/secrets/disable-me', { token, body: { value: 'one' } });
    const second = await vault('PUT', '/secrets/disable-me', { token, body: { value: 'two' } });
    const firstVersion = String(first.body.id).split('/').at(-1);
    const patched = await vault('PATCH', `/secrets/disable-me/${firstVersion}`, { token, body: { attributes: { enabled: false } } });
    expect(patched.status).toBe(200);
    expect(patched.body.value).toBeUndefined();
    expect(patched.body.attributes.enabled).toBe(false);
    const refused = await vault('GET', `/secrets/disable-me/${firstVersion}`, { token });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.', innererror: { code: 'SecretDisabled' } } } });
    expect((await vault('GET', '/secrets/disable-me', { token })).body.value).toBe('two');
    expect(second.status).toBe(200);
    expect((await vault('PATCH', '/secrets/disable-me/0123456789abcdef0123456789abcdef', { token, body: { attributes: { enabled: false } } })).status).toBe(404);
    expect((await vault('PATCH', `/secrets/disable-me/${firstVersion}`, { token, body: { attributes: { enabled: 'no' } } })).status).toBe(400);
  });

  it('soft-deletes a secret: 404 afterwards, and its name refused with 409 until purged', async () => {
    await vault('PUT', '/secrets/delete-me', { token, body: { value: 'gone soon' } });
    const deleted = await vault('DELETE', '/secrets/delete-me', { token });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ recoveryId: `${emulator.baseUrl}/deletedsecrets/delete-me`, attributes: { recoveryLevel: 'Recoverable+Purgeable' } });
    expect(deleted.body.scheduledPurgeDate - deleted.body.deletedDate).toBe(90 * 86_400);
    expect(deleted.body.value).toBeUndefined();
    expect((await vault('GET', '/secrets/delete-me', { token })).status).toBe(404);
    expect((await vault('PUT', '/secrets/delete-me', { token, body: { value: 'again' } }))).toMatchObject({ status: 409, body: { error: { code: 'Conflict' } } });
    expect((await vault('DELETE', '/secrets/delete-me', { token })).status).toBe(404);
    expect((await vault('DELETE', '/secrets/delete-me')).status).toBe(401);
  });
});
