import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { decodeClaims, partnerCenterScope, pkcePair, redirectUri, seedPartner, signInAndConsent, tokenRequest, type PartnerSetup } from './authorize-flow.ts';
import { startTrustedEmulator } from './harness.ts';

/**
 * Refresh tokens as the CSP secure application model uses them: rotated on every use (the old one is
 * then refused), redeemable at a customer tenant that has a relationship with the partner and consented
 * the app, expiring after 90 days without use, revoked by the user's session revocation, and refused
 * when consent is withdrawn or Conditional Access blocks the user or requires MFA the grant lacks.
 */
const graphScope = 'https://graph.microsoft.com/.default';
let emulator: RunningEmulator;
let setup: PartnerSetup;
let customer: Tenant;
let unrelatedCustomer: Tenant;
let customerWithoutApp: Tenant;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  setup = seedPartner(emulator, 'northwindpartner');
  const seed = (name: string, extra: Record<string, unknown>) => applyTenantSeed(emulator.state, tenantSchema.parse({ name, ...extra }));
  const adminConsent = [{ clientId: setup.clientId, scopes: ['https://graph.microsoft.com/User.ReadWrite.All', 'https://graph.microsoft.com/Domain.ReadWrite.All'] }];
  customer = seed('adatum', { consents: adminConsent, partnerTenantIds: [setup.partner.id] });
  unrelatedCustomer = seed('woodgrove', { consents: adminConsent });
  customerWithoutApp = seed('tailspin', { partnerTenantIds: [setup.partner.id] });
});
afterAll(async () => {
  await emulator.close();
});

const control = (method: string, path: string, body?: unknown) =>
  fetch(`${emulator.baseUrl}/_emulator${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

/** A new consent sign-in (Partner Center and Graph scopes); returns its refresh token. */
async function freshRefreshToken(login = setup.agent): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const scope = `${partnerCenterScope} https://graph.microsoft.com/User.Read offline_access openid profile`;
  const location = await signInAndConsent(emulator, setup, { login, challenge, scope });
  const { body } = await tokenRequest(emulator, setup.partner.id, {
    grant_type: 'authorization_code',
    client_id: setup.clientId,
    client_secret: setup.clientSecret,
    code: location.searchParams.get('code') ?? '',
    redirect_uri: redirectUri,
    code_verifier: verifier,
    scope,
  });
  return String(body.refresh_token);
}

function refresh(refreshToken: string, scope: string, tenantId = setup.partner.id) {
  return tokenRequest(emulator, tenantId, {
    grant_type: 'refresh_token',
    client_id: setup.clientId,
    client_secret: setup.clientSecret,
    refresh_token: refreshToken,
    scope: `${scope} offline_access openid profile`,
  });
}

describe('refresh token rotation and resources', () => {
  it('returns a new refresh token on every use and refuses the old one', async () => {
    const first = await freshRefreshToken();
    const renewed = await refresh(first, partnerCenterScope);
    expect(renewed.status).toBe(200);
    expect(renewed.body.refresh_token).not.toBe(first);
    expect((await refresh(first, partnerCenterScope)).body).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
    expect((await refresh(String(renewed.body.refresh_token), partnerCenterScope)).status).toBe(200);
  });

  it('keeps the sign-in\'s amr and gives a Graph token for a Graph scope', async () => {
    const { body } = await refresh(await freshRefreshToken(), 'https://graph.microsoft.com/User.Read');
    expect(decodeClaims(body.access_token)).toMatchObject({ aud: 'https://graph.microsoft.com', scp: 'User.Read', amr: ['pwd', 'mfa'], tid: setup.partner.id });
  });

  it('gives a customer-tenant Graph token with the partner\'s refresh token (delegated access)', async () => {
    const { status, body } = await refresh(await freshRefreshToken(), graphScope, customer.id);
    expect(status).toBe(200);
    const claims = decodeClaims(body.access_token);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${customer.id}/`,
      tid: customer.id,
      idp: `https://sts.windows.net/${setup.partner.id}/`,
      upn: setup.agent,
      amr: ['pwd', 'mfa'],
    });
    expect(String(claims.scp).split(' ').sort()).toEqual(['Domain.ReadWrite.All', 'User.ReadWrite.All']);
  });

  it('lets the customer-tenant token call the customer\'s Graph', async () => {
    const { body } = await refresh(await freshRefreshToken(), graphScope, customer.id);
    const response = await fetch(`${emulator.baseUrl}/v1.0/users`, { headers: { authorization: `Bearer ${String(body.access_token)}` } });
    expect(response.status).toBe(200);
  });

  it('refuses a customer without a relationship (AADSTS50020) and one without the app (AADSTS7000229)', async () => {
    const token = await freshRefreshToken();
    expect((await refresh(token, graphScope, unrelatedCustomer.id)).body).toMatchObject({ error: 'invalid_grant', error_codes: [50020] });
    expect((await refresh(token, graphScope, customerWithoutApp.id)).body).toMatchObject({ error: 'invalid_client', error_codes: [7000229] });
    // A refused request does not use the token up.
    expect((await refresh(token, graphScope, customer.id)).status).toBe(200);
  });
});

describe('refresh token revocation', () => {
  it('refuses tokens issued before a session revocation (AADSTS50173)', async () => {
    const token = await freshRefreshToken(setup.noMfaAgent);
    expect((await control('POST', `/tenants/${setup.partner.id}/users/${setup.noMfaAgent}/revoke-sign-in-sessions`)).status).toBe(200);
    const { body } = await refresh(token, partnerCenterScope);
    expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [50173] });
    expect(body.error_description).toMatch(/^AADSTS50173: The provided grant has expired due to it being revoked/);
    expect((await refresh(await freshRefreshToken(setup.noMfaAgent), partnerCenterScope)).status).toBe(200);
  });

  it('refuses a resource whose consent was withdrawn (AADSTS65001)', async () => {
    const token = await freshRefreshToken();
    expect((await control('DELETE', `/tenants/${customer.id}/consents/${setup.clientId}`)).status).toBe(204);
    expect((await refresh(token, graphScope, customer.id)).body).toMatchObject({ error: 'invalid_grant', error_codes: [65001] });
    expect((await control('POST', `/tenants/${customer.id}/consents`, { clientId: setup.clientId, scopes: ['https://graph.microsoft.com/User.ReadWrite.All'] })).status).toBe(201);
    expect((await refresh(token, graphScope, customer.id)).status).toBe(200);
  });

  it('refuses a user blocked by Conditional Access (AADSTS53003)', async () => {
    const token = await freshRefreshToken();
    const policy = (conditionalAccessBlocked: boolean) =>
      control('PATCH', `/tenants/${setup.partner.id}/users/${setup.agent}/sign-in-policy`, { conditionalAccessBlocked });
    expect(await (await policy(true)).json()).toMatchObject({ conditionalAccessBlocked: true, mfaRegistered: true });
    expect((await refresh(token, partnerCenterScope)).body).toMatchObject({ error: 'invalid_grant', error_codes: [53003] });
    await policy(false);
    expect((await refresh(token, partnerCenterScope)).status).toBe(200);
  });

  it('refuses a grant without MFA when Conditional Access requires it (AADSTS50076), not one with MFA', async () => {
    const withoutMfa = await freshRefreshToken(setup.noMfaAgent);
    const withMfa = await freshRefreshToken();
    const policy = (login: string, conditionalAccessRequiresMfa: boolean) =>
      control('PATCH', `/tenants/${setup.partner.id}/users/${login}/sign-in-policy`, { conditionalAccessRequiresMfa });
    await policy(setup.noMfaAgent, true);
    await policy(setup.agent, true);
    expect((await refresh(withoutMfa, partnerCenterScope)).body).toMatchObject({ error: 'invalid_grant', error_codes: [50076] });
    expect((await refresh(withMfa, partnerCenterScope)).status).toBe(200);
    await policy(setup.noMfaAgent, false);
    await policy(setup.agent, false);
    // The refused request left the token usable, as Entra does.
    expect((await refresh(withoutMfa, partnerCenterScope)).status).toBe(200);
  });

  it('expires a user\'s tokens through the control API (AADSTS700082)', async () => {
    const token = await freshRefreshToken(setup.noMfaAgent);
    expect(await (await control('POST', `/tenants/${setup.partner.id}/users/${setup.noMfaAgent}/expire-refresh-tokens`)).json()).toMatchObject({
      expired: expect.any(Number),
    });
    expect((await refresh(token, partnerCenterScope)).body).toMatchObject({ error: 'invalid_grant', error_codes: [700082] });
  });

  it('expires a token after 90 days without use on the emulator clock, not before', async () => {
    const unused = await freshRefreshToken();
    const used = await freshRefreshToken();
    const advance = (seconds: number) => control('POST', '/clock', { advanceSeconds: seconds });
    await advance(89 * 24 * 3600);
    const renewed = await refresh(used, partnerCenterScope);
    expect(renewed.status).toBe(200);
    await advance(2 * 24 * 3600);
    const { body } = await refresh(unused, partnerCenterScope);
    expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [700082] });
    expect(body.error_description).toMatch(/^AADSTS700082: The refresh token has expired due to inactivity/);
    // The sliding window: the token renewed on day 89 is still good on day 91.
    expect((await refresh(String(renewed.body.refresh_token), partnerCenterScope)).status).toBe(200);
  });
});

describe('delegated-access control API', () => {
  it('validates bodies and names the user it cannot find', async () => {
    const path = `/tenants/${setup.partner.id}/users/${setup.agent}/sign-in-policy`;
    expect((await control('PATCH', path, { mfaRegistered: 'yes' })).status).toBe(400);
    expect((await control('PATCH', path, { unexpected: true })).status).toBe(400);
    expect((await control('POST', `/tenants/${setup.partner.id}/users/nobody@example.com/revoke-sign-in-sessions`)).status).toBe(404);
    expect((await control('PUT', `/tenants/${customer.id}/partners/no-such-tenant`)).status).toBe(404);
  });

  it('lists consents and relationships, and reset empties them', async () => {
    const listed = (await (await control('GET', '/delegated-access')).json()) as { partnerRelationships: unknown[]; consents: unknown[] };
    expect(listed.partnerRelationships).toContainEqual({ partnerTenantId: setup.partner.id, customerTenantId: customer.id, kind: 'dap' });
    expect(listed.consents).toContainEqual(expect.objectContaining({ tenantId: customer.id, clientId: setup.clientId, principal: 'AllPrincipals' }));
    expect((await control('POST', '/reset', {})).status).toBe(204);
    expect(await (await control('GET', '/delegated-access')).json()).toEqual({ consents: [], partnerRelationships: [] });
  });
});
