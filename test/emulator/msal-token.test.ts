import { createPublicKey, verify } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { graphScope, seedTenant, startTrustedEmulator, type SeededTenant } from './harness.ts';

/**
 * The token endpoint as @azure/msal-node 7 uses it. MSAL must be told the emulator is an authority it
 * knows (`knownAuthorities: [host:port]`), otherwise it asks login.microsoftonline.com for instance
 * discovery; with that, it reads the tenant's openid-configuration and posts client credentials.
 */
let emulator: RunningEmulator;
let seeded: SeededTenant;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  seeded = seedTenant(emulator, 'northwind', ['User.ReadWrite.All', 'Domain.Read.All']);
});

afterAll(async () => {
  await emulator.close();
});

function clientApplication(clientSecret: string): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: seeded.clientId,
      clientSecret,
      authority: `${emulator.baseUrl}/${seeded.tenant.id}`,
      knownAuthorities: [new URL(emulator.baseUrl).host],
    },
  });
}

function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('client credentials through MSAL', () => {
  it('acquires a Graph token carrying the app\'s roles and tenant', async () => {
    const result = await clientApplication(seeded.clientSecret).acquireTokenByClientCredential({ scopes: [graphScope] });
    expect(result?.tokenType).toBe('Bearer');
    const claims = decodeClaims(result?.accessToken ?? '');
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: seeded.tenant.id,
      appid: seeded.clientId,
      roles: ['User.ReadWrite.All', 'Domain.Read.All'],
    });
    expect(claims.exp).toBe((claims.iat as number) + 3599);
    const paths = emulator.state.requestLog.map((entry) => `${entry.method} ${entry.path}`);
    expect(paths).toContain(`GET /${seeded.tenant.id}/v2.0/.well-known/openid-configuration`);
    expect(paths).toContain(`POST /${seeded.tenant.id}/oauth2/v2.0/token`);
  });

  it('surfaces invalid_client AADSTS7000215 for a wrong secret', async () => {
    const failure = await clientApplication('wrong-secret')
      .acquireTokenByClientCredential({ scopes: [graphScope] })
      .catch((error: unknown) => error as { errorCode: string; errorMessage: string });
    expect(failure).toMatchObject({ errorCode: 'invalid_client' });
    expect((failure as { errorMessage: string }).errorMessage).toContain('AADSTS7000215');
  });
});

describe('token endpoint and metadata shapes', () => {
  const tokenRequest = (tenant: string, fields: Record<string, string>) =>
    fetch(`${emulator.baseUrl}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });

  it('answers errors with Entra\'s JSON fields', async () => {
    const response = await tokenRequest(seeded.tenant.id, {
      grant_type: 'client_credentials',
      client_id: seeded.clientId,
      client_secret: 'nope',
      scope: graphScope,
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(body.error_description).toMatch(/^AADSTS7000215: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: /s);
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  });

  it.each([
    ['an unknown tenant', 'no-such-tenant.example', {}, 400, 'invalid_request', 90002],
    ['an unknown client', '', { client_id: '11111111-1111-1111-1111-111111111111' }, 400, 'unauthorized_client', 700016],
    ['another grant type', '', { grant_type: 'password' }, 400, 'unsupported_grant_type', 70003],
    ['a scope without /.default', '', { scope: 'https://graph.microsoft.com/User.Read.All' }, 400, 'invalid_scope', 1002012],
  ])('refuses %s', async (_case, tenant, overrides, status, error, code) => {
    const response = await tokenRequest(tenant || seeded.tenant.id, {
      grant_type: 'client_credentials',
      client_id: seeded.clientId,
      client_secret: seeded.clientSecret,
      scope: graphScope,
      ...overrides,
    });
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error, error_codes: [code] });
  });

  it('publishes openid-configuration and a JWKS that verifies the access token', async () => {
    const configuration = (await (await fetch(`${emulator.baseUrl}/${seeded.tenant.id}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(configuration.token_endpoint).toBe(`${emulator.baseUrl}/${seeded.tenant.id}/oauth2/v2.0/token`);
    expect(configuration.issuer).toBe(`${emulator.baseUrl}/${seeded.tenant.id}/v2.0`);
    const keys = (await (await fetch(configuration.jwks_uri ?? '')).json()) as { keys: { kid: string; x5c: string[] }[] };
    const result = await clientApplication(seeded.clientSecret).acquireTokenByClientCredential({ scopes: [graphScope], skipCache: true });
    const [header, payload, signature] = (result?.accessToken ?? '').split('.') as [string, string, string];
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    const key = keys.keys.find((candidate) => candidate.kid === kid);
    expect(key?.x5c).toHaveLength(1);
    const publicKey = createPublicKey({ key: key as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('serves instance discovery for clients that do not set knownAuthorities', async () => {
    const host = new URL(emulator.baseUrl).host;
    const response = await fetch(`${emulator.baseUrl}/common/discovery/instance?api-version=1.1&authorization_endpoint=${emulator.baseUrl}/common/oauth2/v2.0/authorize`);
    expect(await response.json()).toMatchObject({ 'api-version': '1.1', metadata: [{ preferred_network: host, aliases: [host] }] });
  });
});
