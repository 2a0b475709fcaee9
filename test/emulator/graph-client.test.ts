import { Client, GraphError, PageIterator, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createSigner } from './federation-tokens.ts';
import { fetchAccessToken, seedTenant, startTrustedEmulator, type SeededTenant } from './harness.ts';

/**
 * @microsoft/microsoft-graph-client 3 against the emulator with only its base URL changed: it needs
 * `baseUrl` (HTTPS) and `customHosts` with the emulator's host name, or it drops the Authorization header.
 */
let emulator: RunningEmulator;
let seeded: SeededTenant;
let client: Client;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  seeded = seedTenant(emulator, 'tailspin', ['User.ReadWrite.All', 'Domain.ReadWrite.All', 'Domain-InternalFederation.ReadWrite.All'], {
    domains: [{ id: 'tailspin.com' }],
    users: Array.from({ length: 250 }, (_, index) => ({ userPrincipalName: `user${index}@tailspin.com` })),
  });
  const token = await fetchAccessToken(emulator, seeded);
  client = Client.init({
    authProvider: (done) => done(null, token),
    baseUrl: emulator.baseUrl,
    customHosts: new Set([new URL(emulator.baseUrl).hostname]),
  });
});

afterAll(async () => {
  await emulator.close();
});

describe('Graph client against the emulator', () => {
  it('lists the tenant\'s domains', async () => {
    const domains = (await client.api('/domains').get()) as { value: { id: string; isInitial: boolean }[] };
    expect(domains.value.map((domain) => domain.id).sort()).toEqual(['tailspin.com', 'tailspin.onmicrosoft.com']);
  });

  it('pages through users with PageIterator following @odata.nextLink', async () => {
    const firstPage = (await client.api('/users').top(100).select(['id', 'userPrincipalName']).get()) as Record<string, unknown>;
    expect(firstPage['@odata.nextLink']).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\?.*\$skiptoken=/);
    const names: string[] = [];
    const iterator = new PageIterator(client, firstPage as never, (user: { userPrincipalName: string }) => {
      names.push(user.userPrincipalName);
      return true;
    });
    await iterator.iterate();
    expect(names).toHaveLength(250);
    expect(new Set(names).size).toBe(250);
    expect(emulator.state.requestLog.filter((entry) => entry.path === '/v1.0/users' && entry.method === 'GET')).toHaveLength(3);
  });

  it('creates a user', async () => {
    const created = (await client.api('/users').post({
      accountEnabled: true,
      displayName: 'Adele Vance',
      mailNickname: 'AdeleV',
      userPrincipalName: 'AdeleV@tailspin.com',
      passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
    })) as { id: string; userPrincipalName: string };
    expect(created.userPrincipalName).toBe('AdeleV@tailspin.com');
    const fetched = (await client.api(`/users/${created.id}`).select('onPremisesImmutableId,accountEnabled').get()) as Record<string, unknown>;
    expect(fetched).toMatchObject({ accountEnabled: true, onPremisesImmutableId: null });
  });

  it('federates a domain by POSTing federationConfiguration', async () => {
    const signer = await createSigner('CN=Tailspin IdP');
    const created = (await client.api('/domains/tailspin.com/federationConfiguration').post({
      '@odata.type': '#microsoft.graph.internalDomainFederation',
      displayName: 'Tailspin IdP',
      issuerUri: 'https://idp.test/federation/tailspin.com',
      passiveSignInUri: 'https://idp.test/federation/tailspin.com/wsfed',
      signOutUri: 'https://idp.test/federation/tailspin.com/wsfed',
      preferredAuthenticationProtocol: 'wsFed',
      signingCertificate: signer.certificate,
      federatedIdpMfaBehavior: 'enforceMfaByFederatedIdp',
      promptLoginBehavior: 'nativeSupport',
    })) as { id: string; issuerUri: string };
    expect(created.issuerUri).toBe('https://idp.test/federation/tailspin.com');
    const domain = (await client.api('/domains/tailspin.com').get()) as { authenticationType: string };
    expect(domain.authenticationType).toBe('Federated');
  });

  it('reports 429 with Retry-After once the tenant\'s limit is reached', async () => {
    await fetch(`${emulator.baseUrl}/_emulator/tenants/${seeded.tenant.id}/throttle`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceUnitsPerWindow: 3, windowSeconds: 60 }),
    });
    const noRetry = [new RetryHandlerOptions(0, 0)];
    // Earlier tests may already have used this window's units, so the limit is met within four calls.
    let failure: unknown;
    for (let call = 0; call < 4 && failure === undefined; call += 1) {
      failure = await client.api('/domains').middlewareOptions(noRetry).get().then(() => undefined, (error: unknown) => error);
    }
    expect(failure).toBeInstanceOf(GraphError);
    const graphError = failure as GraphError;
    expect(graphError.statusCode).toBe(429);
    expect(graphError.code).toBe('TooManyRequests');
    expect(Number(graphError.headers?.get('Retry-After'))).toBeGreaterThan(0);
  });
});
