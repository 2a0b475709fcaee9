import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createSigner, samlResponseXml, type SamlResponseOptions, type TestSigner } from './federation-tokens.ts';
import { seedTenant, startTrustedEmulator } from './harness.ts';
import { postToLoginSrf, readSamlPostForm, startSamlSignIn, type SamlRequestPost } from './sign-in-flow.ts';

/**
 * SAML-P against login.srf: Entra's AuthnRequest (signed with the OrgID key when the domain asks), and
 * the checks on the IdP's Response: realm, certificate (500081), signature (50006), Destination and
 * Recipient, InResponseTo, RelayState, ImmutableID, and the enforce-MFA bounce.
 */
let emulator: RunningEmulator;
let signer: TestSigner;
let strangerSigner: TestSigner;
const signedIssuer = 'https://idp.test/federation/fabrikam.com';
const enforcingIssuer = 'https://idp.test/federation/plain.example';
const carol = { userPrincipalName: 'carol@fabrikam.com', immutableId: 'Y2Fyb2wtaW1tdXRhYmxl' };
const dave = { userPrincipalName: 'dave@plain.example', immutableId: 'ZGF2ZS1pbW11dGFibGU=' };

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  [signer, strangerSigner] = await Promise.all([createSigner('CN=Fabrikam IdP'), createSigner('CN=Stranger')]);
  const federation = (issuerUri: string, domain: string, extra: Record<string, unknown>) => ({
    issuerUri,
    passiveSignInUri: `https://idp.test/federation/${domain}/saml2`,
    preferredAuthenticationProtocol: 'saml',
    signingCertificate: signer.certificate,
    ...extra,
  });
  seedTenant(emulator, 'fabrikam', [], {
    domains: [
      { id: 'fabrikam.com', federationConfiguration: federation(signedIssuer, 'fabrikam.com', { isSignedAuthenticationRequestRequired: true }) },
      { id: 'plain.example', federationConfiguration: federation(enforcingIssuer, 'plain.example', { federatedIdpMfaBehavior: 'enforceMfaByFederatedIdp' }) },
    ],
    users: [carol, dave].map(({ userPrincipalName, immutableId }) => ({ userPrincipalName, onPremisesImmutableId: immutableId })),
  });
});

afterAll(async () => {
  await emulator.close();
});

function requestId(post: SamlRequestPost): string {
  return new DOMParser().parseFromString(post.authnRequestXml, 'text/xml').documentElement?.getAttribute('ID') ?? '';
}

function response(post: SamlRequestPost, overrides: Partial<SamlResponseOptions> = {}): string {
  const xml = samlResponseXml({
    signer,
    issuer: signedIssuer,
    ...carol,
    inResponseTo: requestId(post),
    destination: `${emulator.baseUrl}/login.srf`,
    ...overrides,
  });
  return Buffer.from(xml).toString('base64');
}

describe('the AuthnRequest Entra sends', () => {
  it('is unsigned by default, with the shape of reference 2.1', async () => {
    const post = await startSamlSignIn(emulator, dave.userPrincipalName);
    expect(post.action).toBe('https://idp.test/federation/plain.example/saml2');
    expect(post.relayState).not.toBe('');
    const request = new DOMParser().parseFromString(post.authnRequestXml, 'text/xml').documentElement;
    expect(request?.localName).toBe('AuthnRequest');
    expect(request?.getAttribute('Version')).toBe('2.0');
    expect(request?.hasAttribute('AssertionConsumerServiceURL')).toBe(false);
    expect(post.authnRequestXml).toContain('>urn:federation:MicrosoftOnline</Issuer>');
    expect(post.authnRequestXml).toContain('Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"');
    expect(post.authnRequestXml).not.toContain('Signature');
  });

  it('is signed with the OrgID key published in the SAML metadata when the domain requires it', async () => {
    const post = await startSamlSignIn(emulator, carol.userPrincipalName);
    const metadata = await (await fetch(`${emulator.baseUrl}/federationmetadata/saml20/federationmetadata.xml`)).text();
    const certificate = /<X509Certificate>([^<]+)<\/X509Certificate>/.exec(metadata)?.[1] ?? '';
    const published = await (await fetch(`${emulator.baseUrl}/_emulator/orgid-certificate.pem`)).text();
    expect(published.replace(/-----[A-Z ]+-----|\s/g, '')).toBe(certificate);
    expect(metadata).toContain('entityID="urn:federation:MicrosoftOnline"');
    expect(metadata).toContain(`Location="${emulator.baseUrl}/login.srf"`);

    expect(post.authnRequestXml).toContain('Destination="https://idp.test/federation/fabrikam.com/saml2"');
    expect(post.authnRequestXml).toContain('<KeyName>MicrosoftOnline</KeyName>');
    const verifier = new SignedXml({ publicCert: `-----BEGIN CERTIFICATE-----\n${certificate}\n-----END CERTIFICATE-----\n` });
    const document = new DOMParser().parseFromString(post.authnRequestXml, 'text/xml');
    const signature = document.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0];
    verifier.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
    expect(verifier.checkSignature(post.authnRequestXml)).toBe(true);
  });
});

describe('POST /login.srf with SAML 2.0', () => {
  it('signs the user in when everything matches', async () => {
    const post = await startSamlSignIn(emulator, carol.userPrincipalName);
    const result = await postToLoginSrf(emulator, { SAMLResponse: response(post), RelayState: post.relayState });
    expect(result.status).toBe(200);
    expect(result.signedInPrincipalName).toBe(carol.userPrincipalName);
    expect(result.mfaSatisfied).toBe('false');
  });

  it('reads MFA from AuthnContextClassRef', async () => {
    const post = await startSamlSignIn(emulator, carol.userPrincipalName);
    const result = await postToLoginSrf(emulator, { SAMLResponse: response(post, { mfa: true }), RelayState: post.relayState });
    expect(result.mfaSatisfied).toBe('true');
  });

  it.each([
    ['a certificate that is not the realm\'s', (post: SamlRequestPost) => response(post, { signer: strangerSigner }), 'AADSTS500081'],
    [
      'a tampered assertion',
      (post: SamlRequestPost) => Buffer.from(Buffer.from(response(post), 'base64').toString().replace('>carol@fabrikam.com<', '>mallory@fabrikam.com<')).toString('base64'),
      'AADSTS50006',
    ],
    [
      'the realm\'s certificate in KeyInfo over a signature by another key',
      (post: SamlRequestPost) => Buffer.from(Buffer.from(response(post, { signer: strangerSigner }), 'base64').toString().replace(strangerSigner.certificate, signer.certificate)).toString('base64'),
      'AADSTS50006',
    ],
    ['an unknown issuer', (post: SamlRequestPost) => response(post, { issuer: 'https://idp.test/other' }), 'AADSTS50107'],
    ['an unknown ImmutableID', (post: SamlRequestPost) => response(post, { immutableId: 'bm9ib2R5' }), 'AADSTS51004'],
    ['a wrong Recipient', (post: SamlRequestPost) => response(post, { recipient: 'https://login.microsoftonline.com/login.srf' }), 'AADSTS50008'],
    ['an InResponseTo the emulator never issued', (post: SamlRequestPost) => response(post, { inResponseTo: '_never-issued' }), 'AADSTS90100'],
    ['malformed base64 XML', () => Buffer.from('<samlp:Response').toString('base64'), 'AADSTS20012'],
  ])('refuses %s', async (_case, makeResponse, code) => {
    const post = await startSamlSignIn(emulator, carol.userPrincipalName);
    const result = await postToLoginSrf(emulator, { SAMLResponse: makeResponse(post), RelayState: post.relayState });
    expect(result.status).toBe(400);
    expect(result.errorCode).toBe(code);
  });

  it('requires RelayState to come back unchanged', async () => {
    const post = await startSamlSignIn(emulator, carol.userPrincipalName);
    const result = await postToLoginSrf(emulator, { SAMLResponse: response(post), RelayState: 'changed' });
    expect(result.errorCode).toBe('AADSTS90100');
  });

  it('answers a Response without MFA under enforceMfaByFederatedIdp with a new AuthnRequest for multipleauthn', async () => {
    const post = await startSamlSignIn(emulator, dave.userPrincipalName);
    const first = await postToLoginSrf(emulator, { SAMLResponse: response(post, { issuer: enforcingIssuer, ...dave }), RelayState: post.relayState });
    expect(first.status).toBe(200);
    const bounce = readSamlPostForm(first.html);
    expect(bounce.action).toBe('https://idp.test/federation/plain.example/saml2');
    expect(bounce.authnRequestXml).toContain('<samlp:RequestedAuthnContext Comparison="exact">');
    expect(bounce.authnRequestXml).toContain('http://schemas.microsoft.com/claims/multipleauthn</AuthnContextClassRef>');
    expect(requestId(bounce)).not.toBe(requestId(post));

    const second = await postToLoginSrf(emulator, {
      SAMLResponse: response(bounce, { issuer: enforcingIssuer, ...dave, mfa: true }),
      RelayState: bounce.relayState,
    });
    expect(second.signedInPrincipalName).toBe(dave.userPrincipalName);
    expect(second.mfaSatisfied).toBe('true');
  });
});
