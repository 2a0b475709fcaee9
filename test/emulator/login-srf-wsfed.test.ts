import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createSigner, wsFedRstr, type AssertionOptions, type TestSigner } from './federation-tokens.ts';
import { seedTenant, startTrustedEmulator } from './harness.ts';
import { postToLoginSrf, startWsFedSignIn } from './sign-in-flow.ts';

/**
 * login.srf for WS-Federation, checked in the order Entra validates (federation reference 0.4): tokens
 * are real RSTRs with SAML 1.1 assertions signed by xml-crypto with a key registered through the
 * domain's signingCertificate.
 */
let emulator: RunningEmulator;
let signer: TestSigner;
let nextSigner: TestSigner;
let strangerSigner: TestSigner;
const contosoIssuer = 'https://idp.test/federation/contoso.com';
const secureIssuer = 'https://idp.test/federation/secure.example';
const alice = { userPrincipalName: 'alice@contoso.com', immutableId: 'JLX2E74/mk2m9Jf30wGM3Q==' };
const bob = { userPrincipalName: 'bob@secure.example', immutableId: 'Qm9iSW1tdXRhYmxlSUQ=' };

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  [signer, nextSigner, strangerSigner] = await Promise.all([
    createSigner('CN=Contoso IdP'),
    createSigner('CN=Contoso IdP next'),
    createSigner('CN=Somebody else'),
  ]);
  const federation = (issuerUri: string, domain: string, mfa: string) => ({
    issuerUri,
    displayName: `${domain} IdP`,
    passiveSignInUri: `https://idp.test/federation/${domain}/wsfed`,
    preferredAuthenticationProtocol: 'wsFed',
    signingCertificate: signer.certificate,
    nextSigningCertificate: nextSigner.certificate,
    federatedIdpMfaBehavior: mfa,
  });
  seedTenant(emulator, 'contoso', [], {
    domains: [
      { id: 'contoso.com', federationConfiguration: federation(contosoIssuer, 'contoso.com', 'acceptIfMfaDoneByFederatedIdp') },
      { id: 'secure.example', federationConfiguration: federation(secureIssuer, 'secure.example', 'enforceMfaByFederatedIdp') },
    ],
    users: [alice, bob].map(({ userPrincipalName, immutableId }) => ({ userPrincipalName, onPremisesImmutableId: immutableId })),
  });
});

afterAll(async () => {
  await emulator.close();
});

function token(overrides: Partial<AssertionOptions> = {}): string {
  return wsFedRstr({ signer, issuer: contosoIssuer, ...alice, now: emulator.state.now(), ...overrides });
}

async function wctxFor(login: string): Promise<string> {
  return (await startWsFedSignIn(emulator, login)).searchParams.get('wctx') ?? '';
}

describe('home-realm discovery to a WS-Fed domain', () => {
  it('answers userrealm with Federated, the protocol and AuthURL', async () => {
    const realm = (await (await fetch(`${emulator.baseUrl}/common/userrealm/${alice.userPrincipalName}?api-version=1.0`)).json()) as Record<string, string>;
    expect(realm).toMatchObject({
      NameSpaceType: 'Federated',
      account_type: 'Federated',
      federation_protocol: 'WSTrust',
      DomainName: 'contoso.com',
      FederationBrandName: 'contoso.com IdP',
      cloud_instance_name: 'microsoftonline.com',
      cloud_audience_urn: 'urn:federation:MicrosoftOnline',
    });
    expect(realm.AuthURL).toMatch(/^https:\/\/idp\.test\/federation\/contoso\.com\/wsfed\?username=alice%40contoso\.com&wa=wsignin1\.0&wtrealm=urn%3Afederation%3AMicrosoftOnline/);
  });

  it('redirects to passiveSignInUri with the parameters Entra sends', async () => {
    const location = await startWsFedSignIn(emulator, alice.userPrincipalName);
    expect(`${location.origin}${location.pathname}`).toBe('https://idp.test/federation/contoso.com/wsfed');
    expect(location.searchParams.get('wa')).toBe('wsignin1.0');
    expect(location.searchParams.get('wtrealm')).toBe('urn:federation:MicrosoftOnline');
    expect(location.searchParams.get('username')).toBe(alice.userPrincipalName);
    expect(location.searchParams.get('client-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(location.searchParams.get('wctx')).toMatch(/^LoginOptions=3&estsredirect=2&estsrequest=[\w-]+\.[\w-]+$/);
    expect(location.searchParams.has('wauth')).toBe(false);
  });
});

describe('POST /login.srf with WS-Fed', () => {
  it('signs the user in by ImmutableID and records the sign-in', async () => {
    const result = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: token(), wctx: await wctxFor(alice.userPrincipalName) });
    expect(result.status).toBe(200);
    expect(result.signedInPrincipalName).toBe(alice.userPrincipalName);
    expect(result.mfaSatisfied).toBe('false');
    const signIns = (await (await fetch(`${emulator.baseUrl}/_emulator/sign-ins`)).json()) as { value: { userPrincipalName: string; issuer: string; protocol: string }[] };
    expect(signIns.value.at(-1)).toMatchObject({ userPrincipalName: alice.userPrincipalName, issuer: contosoIssuer, protocol: 'wsFed' });
  });

  it('takes the multipleauthn claim under acceptIfMfaDoneByFederatedIdp', async () => {
    const result = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: token({ mfa: true }), wctx: await wctxFor(alice.userPrincipalName) });
    expect(result.mfaSatisfied).toBe('true');
  });

  it('accepts a token signed with nextSigningCertificate', async () => {
    const result = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: token({ signer: nextSigner }), wctx: await wctxFor(alice.userPrincipalName) });
    expect(result.signedInPrincipalName).toBe(alice.userPrincipalName);
  });

  it.each([
    ['a certificate that is not the realm\'s', () => token({ signer: strangerSigner }), 'AADSTS50008'],
    ['a tampered assertion', () => token().replace('<saml:AttributeValue>alice@contoso.com', '<saml:AttributeValue>mallory@contoso.com'), 'AADSTS50008'],
    ['an unknown issuer', () => token({ issuer: 'https://idp.test/federation/unknown.example' }), 'AADSTS50107'],
    ['an unknown ImmutableID', () => token({ immutableId: 'bm9ib2R5' }), 'AADSTS51004'],
    ['a wrong audience', () => token({ audience: 'urn:example:other' }), 'AADSTS50008'],
    ['an expired assertion', () => token({ notBeforeOffset: -7200, lifetimeSeconds: 3600 }), 'AADSTS500133'],
    ['malformed XML', () => '<t:RequestSecurityTokenResponse', 'AADSTS20012'],
    ['a DTD', () => `<!DOCTYPE x [<!ENTITY e "boom">]>${token()}`, 'AADSTS20012'],
    ['two assertions (signature wrapping)', () => token().replace('<t:RequestedSecurityToken>', '<t:RequestedSecurityToken><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_evil" Issuer="x"/>'), 'AADSTS20012'],
  ])('refuses %s', async (_case, makeToken, code) => {
    const result = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: makeToken(), wctx: await wctxFor(alice.userPrincipalName) });
    expect(result.status).toBe(400);
    expect(result.errorCode).toBe(code);
  });

  it('refuses a POST without wresult (AADSTS90013) or without wa (AADSTS90081)', async () => {
    const wctx = await wctxFor(alice.userPrincipalName);
    expect((await postToLoginSrf(emulator, { wa: 'wsignin1.0', wctx })).errorCode).toBe('AADSTS90013');
    expect((await postToLoginSrf(emulator, { wresult: token(), wctx })).errorCode).toBe('AADSTS90081');
  });

  it('refuses a wctx it did not issue, and one already used', async () => {
    const forged = 'LoginOptions=3&estsredirect=2&estsrequest=eyJpZCI6IngifQ.AAAA';
    expect((await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: token(), wctx: forged })).errorCode).toBe('AADSTS90100');
    const wctx = await wctxFor(alice.userPrincipalName);
    expect((await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: token(), wctx })).status).toBe(200);
    expect((await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: token(), wctx })).errorCode).toBe('AADSTS90100');
  });

  it('sends the user back with wauth=multipleauthn under enforceMfaByFederatedIdp, then accepts the MFA claim', async () => {
    const bobToken = (mfa: boolean) => token({ issuer: secureIssuer, ...bob, mfa });
    const first = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: bobToken(false), wctx: await wctxFor(bob.userPrincipalName) });
    expect(first.status).toBe(302);
    const bounce = new URL(first.location ?? '');
    expect(`${bounce.origin}${bounce.pathname}`).toBe('https://idp.test/federation/secure.example/wsfed');
    expect(bounce.searchParams.get('wauth')).toBe('http://schemas.microsoft.com/claims/multipleauthn');
    expect(bounce.searchParams.get('wa')).toBe('wsignin1.0');
    const mfaContext = bounce.searchParams.get('wctx') ?? '';

    const withMfa = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: bobToken(true), wctx: mfaContext });
    expect(withMfa.signedInPrincipalName).toBe(bob.userPrincipalName);
    expect(withMfa.mfaSatisfied).toBe('true');
  });

  it('refuses a second answer without MFA after asking for it (AADSTS50074)', async () => {
    const bobToken = token({ issuer: secureIssuer, ...bob });
    const first = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: bobToken, wctx: await wctxFor(bob.userPrincipalName) });
    const mfaContext = new URL(first.location ?? '').searchParams.get('wctx') ?? '';
    const again = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: token({ issuer: secureIssuer, ...bob }), wctx: mfaContext });
    expect(again.errorCode).toBe('AADSTS50074');
  });

  // Last: moving the emulator's clock affects every later request in this file.
  it('refuses an expired wctx', async () => {
    const wctx = await wctxFor(alice.userPrincipalName);
    await fetch(`${emulator.baseUrl}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 11 * 60 }),
    });
    const result = await postToLoginSrf(emulator, { wa: 'wsignin1.0', wresult: token(), wctx });
    expect(result.errorCode).toBe('AADSTS90100');
  });
});
