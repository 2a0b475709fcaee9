import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { decodeClaims, partnerCenterScope, password, pkcePair, postStep, redirectUri, seedPartner, type PartnerSetup } from './authorize-flow.ts';
import { startTrustedEmulator } from './harness.ts';

/**
 * The partner consent and the per-customer token exactly as Lanyard will do them with @azure/msal-node 7:
 * getAuthCodeUrl (PKCE, state, login_hint), the emulator's pages, acquireTokenByCode, then
 * acquireTokenByRefreshToken against the customer's authority. Proves MSAL's real requests (metadata
 * discovery, client_info, x-client-* fields, client-request-id) are answered as MSAL expects.
 */
let emulator: RunningEmulator;
let setup: PartnerSetup;
let customer: Tenant;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  setup = seedPartner(emulator, 'litwarepartner');
  customer = applyTenantSeed(
    emulator.state,
    tenantSchema.parse({
      name: 'fourthcoffee',
      consents: [{ clientId: setup.clientId, scopes: ['https://graph.microsoft.com/User.ReadWrite.All'] }],
      partnerTenantIds: [setup.partner.id],
    }),
  );
});
afterAll(async () => {
  await emulator.close();
});

function clientApplication(): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: setup.clientId,
      clientSecret: setup.clientSecret,
      authority: `${emulator.baseUrl}/${setup.partner.id}`,
      knownAuthorities: [new URL(emulator.baseUrl).host],
    },
  });
}

/** MSAL never returns the refresh token; it sits in the serialized cache. */
function cachedRefreshToken(application: ConfidentialClientApplication): string {
  const cache = JSON.parse(application.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
  const [entry] = Object.values(cache.RefreshToken);
  if (!entry) throw new Error('no refresh token in the MSAL cache');
  return entry.secret;
}

describe('authorization code and refresh through MSAL', () => {
  it('consents, redeems the code and refreshes into a customer tenant', async () => {
    const application = clientApplication();
    const { verifier, challenge } = pkcePair();
    const authorizeUrl = new URL(
      await application.getAuthCodeUrl({
        scopes: [partnerCenterScope],
        redirectUri,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        state: 'msal-state',
        loginHint: setup.agent,
        prompt: 'consent',
      }),
    );
    expect(authorizeUrl.pathname).toBe(`/${setup.partner.id}/oauth2/v2.0/authorize`);
    expect(authorizeUrl.searchParams.get('client_info')).toBe('1');

    const signInPage = await fetch(authorizeUrl, { redirect: 'manual' });
    const requestId = /name="request" value="([^"]*)"/.exec(await signInPage.text())?.[1] ?? '';
    let page = await postStep(emulator, setup.partner.id, 'credentials', { request: requestId, login: setup.agent, password });
    page = await postStep(emulator, setup.partner.id, 'second-factor', { request: page.requestId ?? '', otc: '123456' });
    page = await postStep(emulator, setup.partner.id, 'consent', { request: page.requestId ?? '', decision: 'accept' });
    const back = new URL(page.location ?? '');
    expect(back.searchParams.get('state')).toBe('msal-state');

    const result = await application.acquireTokenByCode(
      { code: back.searchParams.get('code') ?? '', scopes: [partnerCenterScope], redirectUri, codeVerifier: verifier, state: 'msal-state' },
      { code: back.searchParams.get('code') ?? '', state: back.searchParams.get('state') ?? '', client_info: back.searchParams.get('client_info') ?? '' },
    );
    const user = setup.partner.users.byPrincipalName(setup.agent);
    expect(result.tenantId).toBe(setup.partner.id);
    expect(result.account?.homeAccountId).toBe(`${user?.id}.${setup.partner.id}`);
    expect(result.account?.username).toBe(setup.agent);
    expect(decodeClaims(result.accessToken)).toMatchObject({ aud: 'https://api.partnercenter.microsoft.com', amr: ['pwd', 'mfa'], scp: 'user_impersonation' });

    const refreshToken = cachedRefreshToken(application);
    const customerResult = await clientApplication().acquireTokenByRefreshToken({
      refreshToken,
      scopes: ['https://graph.microsoft.com/.default'],
      authority: `${emulator.baseUrl}/${customer.id}`,
    });
    expect(decodeClaims(customerResult?.accessToken)).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: customer.id,
      scp: 'User.ReadWrite.All',
      amr: ['pwd', 'mfa'],
    });

    // The token MSAL used is now spent: the emulator rotates on every use.
    const failure = await clientApplication()
      .acquireTokenByRefreshToken({ refreshToken, scopes: [partnerCenterScope] })
      .catch((error: unknown) => error as { errorCode: string; errorMessage: string });
    expect(failure).toMatchObject({ errorCode: 'invalid_grant' });
    expect((failure as { errorMessage: string }).errorMessage).toContain('AADSTS70000');

    const paths = emulator.state.requestLog.map((entry) => `${entry.method} ${entry.path}`);
    expect(paths).toContain(`GET /${setup.partner.id}/v2.0/.well-known/openid-configuration`);
    expect(paths).toContain(`GET /${customer.id}/v2.0/.well-known/openid-configuration`);
    expect(paths).toContain(`POST /${customer.id}/oauth2/v2.0/token`);
  });
});
