import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createSigner, type TestSigner } from './federation-tokens.ts';
import { fetchAccessToken, graphErrorCode, graphRequest, seedTenant, startTrustedEmulator } from './harness.ts';

/**
 * Graph v1.0 users, domains and federationConfiguration: status codes, JSON fields, the error envelope,
 * OData options and paging, compared with the reference (microsoft-graph-and-partner-center.md A, B;
 * microsoft-federation.md 4).
 */
let emulator: RunningEmulator;
let token: string;
let readOnlyToken: string;
let signer: TestSigner;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  signer = await createSigner('CN=Litware IdP');
  const seeded = seedTenant(emulator, 'litware', ['User.ReadWrite.All', 'Domain.ReadWrite.All', 'Domain-InternalFederation.ReadWrite.All'], {
    domains: [{ id: 'litware.com' }, { id: 'fed.litware.net' }, { id: 'pending.example', isVerified: false }],
    users: [
      { userPrincipalName: 'ann@litware.com', displayName: 'Ann', onPremisesImmutableId: 'YW5u', usageLocation: 'GB' },
      { userPrincipalName: 'andy@litware.com', displayName: 'Andy' },
      { userPrincipalName: 'zoe@litware.com', displayName: 'Zoe' },
    ],
  });
  token = await fetchAccessToken(emulator, seeded);
  readOnlyToken = await fetchAccessToken(emulator, seedTenant(emulator, 'reader', ['User.Read.All']));
});

afterAll(async () => {
  await emulator.close();
});

const federation = (domain: string, extra: Record<string, unknown> = {}) => ({
  displayName: `${domain} IdP`,
  issuerUri: `https://idp.test/federation/${domain}`,
  passiveSignInUri: `https://idp.test/federation/${domain}/wsfed`,
  preferredAuthenticationProtocol: 'wsFed',
  signingCertificate: signer.certificate,
  ...extra,
});

describe('Graph envelope and authentication', () => {
  it('answers 401 InvalidAuthenticationToken without a token and 403 Authorization_RequestDenied without the role', async () => {
    const anonymous = await graphRequest(emulator, '', 'GET', '/users');
    expect(anonymous.status).toBe(401);
    expect(graphErrorCode(anonymous)).toBe('InvalidAuthenticationToken');
    const denied = await graphRequest(emulator, readOnlyToken, 'POST', '/users', { displayName: 'x' });
    expect(denied.status).toBe(403);
    expect(graphErrorCode(denied)).toBe('Authorization_RequestDenied');
    expect(denied.headers.get('request-id')).toBe((denied.body?.error as { innerError: Record<string, string> }).innerError['request-id']);
  });

  it('answers 404 Request_ResourceNotFound for an unknown user, echoing client-request-id', async () => {
    const result = await graphRequest(emulator, token, 'GET', '/users/nobody@litware.com', undefined, { 'client-request-id': 'c0ffee00-0000-4000-8000-000000000000' });
    expect(result.status).toBe(404);
    expect(graphErrorCode(result)).toBe('Request_ResourceNotFound');
    expect(result.headers.get('client-request-id')).toBe('c0ffee00-0000-4000-8000-000000000000');
  });
});

describe('users', () => {
  it('returns the default property set, or exactly $select', async () => {
    const list = await graphRequest(emulator, token, 'GET', '/users');
    const first = (list.body?.value as Record<string, unknown>[])[0] ?? {};
    expect(Object.keys(first).sort()).toEqual(['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName']);
    const selected = await graphRequest(emulator, token, 'GET', '/users/ann@litware.com?$select=id,onPremisesImmutableId,usageLocation');
    expect(Object.keys(selected.body ?? {}).sort()).toEqual(['@odata.context', 'id', 'onPremisesImmutableId', 'usageLocation']);
    expect(selected.body).toMatchObject({ onPremisesImmutableId: 'YW5u', usageLocation: 'GB' });
  });

  it('filters on userPrincipalName and onPremisesImmutableId', async () => {
    const byPrefix = await graphRequest(emulator, token, 'GET', `/users?$filter=${encodeURIComponent("startswith(userPrincipalName,'an')")}`);
    expect((byPrefix.body?.value as { userPrincipalName: string }[]).map((user) => user.userPrincipalName).sort()).toEqual(['andy@litware.com', 'ann@litware.com']);
    const byAnchor = await graphRequest(emulator, token, 'GET', `/users?$filter=${encodeURIComponent("onPremisesImmutableId eq 'YW5u'")}&$select=userPrincipalName`);
    expect(byAnchor.body?.value).toEqual([{ userPrincipalName: 'ann@litware.com' }]);
    const advanced = await graphRequest(emulator, token, 'GET', `/users?$filter=${encodeURIComponent("endswith(userPrincipalName,'@litware.com')")}`);
    expect(graphErrorCode(advanced)).toBe('Request_UnsupportedQuery');
    const counted = await graphRequest(emulator, token, 'GET', `/users?$count=true&$filter=${encodeURIComponent("endswith(userPrincipalName,'@litware.com')")}`, undefined, { ConsistencyLevel: 'eventual' });
    expect(counted.body?.['@odata.count']).toBe(3);
  });

  it('pages with $top and an absolute nextLink that keeps the query options', async () => {
    const first = await graphRequest(emulator, token, 'GET', '/users?$top=2&$select=id');
    expect(first.body?.value).toHaveLength(2);
    const nextLink = new URL(String(first.body?.['@odata.nextLink']));
    expect(nextLink.origin).toBe(emulator.baseUrl);
    expect(nextLink.searchParams.get('$top')).toBe('2');
    expect(nextLink.searchParams.get('$select')).toBe('id');
    const second = await graphRequest(emulator, token, 'GET', `${nextLink.pathname.replace('/v1.0', '')}${nextLink.search}`);
    expect(second.body?.value).toHaveLength(1);
    expect(second.body?.['@odata.nextLink']).toBeUndefined();
  });

  it.each([
    ['a missing required property', { userPrincipalName: undefined }],
    ['an unverified domain', { userPrincipalName: 'x@pending.example' }],
    ['an unknown domain', { userPrincipalName: 'x@elsewhere.example' }],
    ['a duplicate UPN', { userPrincipalName: 'ANN@litware.com' }],
    ['a weak password', { userPrincipalName: 'weak@litware.com', passwordProfile: { password: 'password' } }],
    ['an immutable ID with _', { userPrincipalName: 'under@litware.com', onPremisesImmutableId: 'a_b' }],
  ] as [string, Record<string, unknown>][])('refuses to create a user with %s (400 Request_BadRequest)', async (_case, overrides) => {
    const result = await graphRequest(emulator, token, 'POST', '/users', {
      accountEnabled: true,
      displayName: 'Someone',
      mailNickname: 'someone',
      userPrincipalName: 'someone@litware.com',
      passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
      ...overrides,
    });
    expect(result.status).toBe(400);
    expect(graphErrorCode(result)).toBe('Request_BadRequest');
  });

  it('creates (201), updates (204) and deletes (204) a user', async () => {
    const created = await graphRequest(emulator, token, 'POST', '/users', {
      accountEnabled: true, displayName: 'Ben', mailNickname: 'ben', userPrincipalName: 'ben@litware.com',
      passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' },
    });
    expect(created.status).toBe(201);
    expect(created.body?.['@odata.context']).toBe(`${emulator.baseUrl}/v1.0/$metadata#users/$entity`);
    const id = String(created.body?.id);
    const patched = await graphRequest(emulator, token, 'PATCH', `/users/${id}`, { usageLocation: 'US', jobTitle: 'Pilot' });
    expect(patched.status).toBe(204);
    expect(patched.body).toBeUndefined();
    expect((await graphRequest(emulator, token, 'GET', `/users/${id}?$select=usageLocation`)).body?.usageLocation).toBe('US');
    expect((await graphRequest(emulator, token, 'DELETE', `/users/${id}`)).status).toBe(204);
    expect((await graphRequest(emulator, token, 'GET', `/users/${id}`)).status).toBe(404);
  });
});

describe('domains and federationConfiguration', () => {
  it('refuses to federate the initial, the default, and an unverified domain', async () => {
    for (const domain of ['litware.onmicrosoft.com', 'pending.example']) {
      const result = await graphRequest(emulator, token, 'POST', `/domains/${domain}/federationConfiguration`, federation(domain));
      expect(result.status).toBe(400);
    }
    expect((await graphRequest(emulator, token, 'PATCH', '/domains/litware.com', { isDefault: true })).status).toBe(204);
    const defaultDomain = await graphRequest(emulator, token, 'POST', '/domains/litware.com/federationConfiguration', federation('litware.com'));
    expect(graphErrorCode(defaultDomain)).toBe('Request_BadRequest');
    expect((await graphRequest(emulator, token, 'PATCH', '/domains/litware.onmicrosoft.com', { isDefault: true })).status).toBe(204);
  });

  it('refuses an unparseable certificate, a plain-http sign-in URL and a reused issuerUri', async () => {
    expect((await graphRequest(emulator, token, 'POST', '/domains/fed.litware.net/federationConfiguration', federation('fed.litware.net', { signingCertificate: 'bm90IGEgY2VydA==' }))).status).toBe(400);
    expect((await graphRequest(emulator, token, 'POST', '/domains/fed.litware.net/federationConfiguration', federation('fed.litware.net', { passiveSignInUri: 'http://idp.test/wsfed' }))).status).toBe(400);
    expect((await graphRequest(emulator, token, 'POST', '/domains/litware.com/federationConfiguration', federation('litware.com'))).status).toBe(201);
    const reused = await graphRequest(emulator, token, 'POST', '/domains/fed.litware.net/federationConfiguration', federation('fed.litware.net', { issuerUri: 'https://idp.test/federation/litware.com' }));
    expect(reused.status).toBe(400);
  });

  it('requires onPremisesImmutableId for new users in a federated domain', async () => {
    const result = await graphRequest(emulator, token, 'POST', '/users', {
      accountEnabled: true, displayName: 'Cy', mailNickname: 'cy', userPrincipalName: 'cy@litware.com',
      passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' },
    });
    expect(result.status).toBe(400);
  });

  it('lists, reads, updates (200) and deletes (204) the configuration; the domain stays Federated by default', async () => {
    const created = await graphRequest(emulator, token, 'POST', '/domains/fed.litware.net/federationConfiguration', federation('fed.litware.net'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ '@odata.type': '#microsoft.graph.internalDomainFederation', preferredAuthenticationProtocol: 'wsFed', isSignedAuthenticationRequestRequired: false });
    const id = String(created.body?.id);
    const collection = await graphRequest(emulator, token, 'GET', '/domains/fed.litware.net/federationConfiguration');
    expect((collection.body?.value as { id: string }[]).map((item) => item.id)).toEqual([id]);
    expect((await graphRequest(emulator, token, 'GET', `/domains/fed.litware.net/federationConfiguration/${id}`)).body?.issuerUri).toBe('https://idp.test/federation/fed.litware.net');
    const updated = await graphRequest(emulator, token, 'PATCH', `/domains/fed.litware.net/federationConfiguration/${id}`, { federatedIdpMfaBehavior: 'enforceMfaByFederatedIdp', nextSigningCertificate: signer.certificate });
    expect(updated.status).toBe(200);
    expect(updated.body?.federatedIdpMfaBehavior).toBe('enforceMfaByFederatedIdp');
    expect((await graphRequest(emulator, token, 'DELETE', `/domains/fed.litware.net/federationConfiguration/${id}`)).status).toBe(204);
    expect((await graphRequest(emulator, token, 'GET', '/domains/fed.litware.net')).body?.authenticationType).toBe('Federated');
    expect((await graphRequest(emulator, token, 'GET', '/domains/fed.litware.net/federationConfiguration')).body?.value).toEqual([]);
  });

  it('de-federates with PATCH authenticationType=Managed (204); the configuration stays until deleted', async () => {
    expect((await graphRequest(emulator, token, 'PATCH', '/domains/litware.com', { authenticationType: 'Managed' })).status).toBe(204);
    const domain = await graphRequest(emulator, token, 'GET', '/domains/litware.com');
    expect(domain.body).toMatchObject({ authenticationType: 'Managed', isVerified: true, isInitial: false });
    const left = (await graphRequest(emulator, token, 'GET', '/domains/litware.com/federationConfiguration')).body?.value as { id: string }[];
    expect(left).toHaveLength(1);
    expect((await graphRequest(emulator, token, 'DELETE', `/domains/litware.com/federationConfiguration/${left[0]!.id}`)).status).toBe(204);
    expect((await graphRequest(emulator, token, 'GET', '/domains/litware.com')).body?.authenticationType).toBe('Managed');
  });

  it('keeps subdomains with their root: verified with it, not roots, following its authentication until promoted', async () => {
    const tailspin = await fetchAccessToken(emulator, seedTenant(emulator, 'tailspin', ['Domain.ReadWrite.All', 'Domain-InternalFederation.ReadWrite.All'], {
      domains: [{ id: 'tailspin.com' }, { id: 'sales.tailspin.com', isVerified: false }, { id: 'eu.sales.tailspin.com' }],
    }));
    const read = async (domain: string) => (await graphRequest(emulator, tailspin, 'GET', `/domains/${domain}`)).body as { isRoot: boolean; isVerified: boolean; authenticationType: string };
    expect(await read('tailspin.com')).toMatchObject({ isRoot: true, isVerified: true });
    expect(await read('sales.tailspin.com')).toMatchObject({ isRoot: false, isVerified: true, authenticationType: 'Managed' });
    expect(await read('eu.sales.tailspin.com')).toMatchObject({ isRoot: false, isVerified: true });

    const ownFederation = await graphRequest(emulator, tailspin, 'POST', '/domains/sales.tailspin.com/federationConfiguration', federation('sales.tailspin.com'));
    expect([ownFederation.status, graphErrorCode(ownFederation)]).toEqual([400, 'Request_BadRequest']);
    expect((await graphRequest(emulator, tailspin, 'POST', '/domains/tailspin.com/federationConfiguration', federation('tailspin.com'))).status).toBe(201);
    expect((await read('eu.sales.tailspin.com')).authenticationType).toBe('Federated');
    // Home-realm discovery sends a subdomain's users to the root's federation.
    const realm = await (await fetch(`${emulator.baseUrl}/common/userrealm/kim@eu.sales.tailspin.com?api-version=1.0`)).json() as { account_type: string; AuthURL: string };
    expect(realm.account_type).toBe('Federated');
    expect(realm.AuthURL).toContain('https://idp.test/federation/tailspin.com/wsfed');
    expect((await graphRequest(emulator, tailspin, 'PATCH', '/domains/sales.tailspin.com', { authenticationType: 'Managed' })).status).toBe(400);
    expect((await graphRequest(emulator, tailspin, 'PATCH', '/domains/tailspin.com', { authenticationType: 'Managed' })).status).toBe(204);
    expect((await read('sales.tailspin.com')).authenticationType).toBe('Managed');
    const left = (await graphRequest(emulator, tailspin, 'GET', '/domains/tailspin.com/federationConfiguration')).body?.value as { id: string }[];
    expect((await graphRequest(emulator, tailspin, 'DELETE', `/domains/tailspin.com/federationConfiguration/${left[0]!.id}`)).status).toBe(204);

    const promoted = await graphRequest(emulator, tailspin, 'POST', '/domains/sales.tailspin.com/promote');
    expect([promoted.status, promoted.body?.value]).toEqual([200, true]);
    expect((await graphRequest(emulator, tailspin, 'POST', '/domains/sales.tailspin.com/promote')).status).toBe(400);
    expect((await graphRequest(emulator, tailspin, 'POST', '/domains/tailspin.com/federationConfiguration', federation('tailspin.com', { issuerUri: 'https://idp.test/federation/tailspin.com/2' }))).status).toBe(201);
    expect(await read('sales.tailspin.com')).toMatchObject({ isRoot: true, authenticationType: 'Managed' });
    // eu.sales now follows its nearest root, sales.tailspin.com.
    expect((await read('eu.sales.tailspin.com')).authenticationType).toBe('Managed');
  });
});
