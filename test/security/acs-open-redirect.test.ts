import { beforeAll, describe, it } from 'vitest';
import { readAuthnRequestFromPost, readAuthnRequestFromRedirect, type AuthnRequestPolicy } from '../../idp/saml2/authn-request.ts';
import { authnRequestXml, createEntraKey, endpointUrl, loginSrf, postValue, redirectQuery, signRequestXml } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: an AuthnRequest naming the attacker's AssertionConsumerServiceURL, so that the IdP posts
 * a valid token for the victim to the attacker (token theft via open redirect), or naming another
 * issuer/destination to reuse one domain's endpoint for another relying party.
 * Invariant: an ACS URL, when present, must equal login.srf exactly (SAML_ACS_MISMATCH) — even in a
 * validly signed request; the Issuer must be urn:federation:MicrosoftOnline (SAML_UNKNOWN_ISSUER);
 * a Destination must be this endpoint (SAML_DESTINATION_MISMATCH).
 * Why this way: near-miss URLs (prefix, other case, extra path) catch prefix or case-insensitive
 * comparisons; the signed case shows a signature does not make a foreign ACS acceptable.
 */
describe('ACS URL open redirect and foreign requests', () => {
  let policy: AuthnRequestPolicy;
  let signedPolicy: AuthnRequestPolicy;
  let entraKey: Awaited<ReturnType<typeof createEntraKey>>;
  beforeAll(async () => {
    entraKey = await createEntraKey();
    policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: false, trustedCertificates: [entraKey.certificateDer], now: new Date() };
    signedPolicy = { ...policy, requireSignature: true };
  });

  it.each([
    'https://attacker.invalid/acs',
    `${loginSrf}.attacker.invalid`,
    `${loginSrf}/../x`,
    'HTTPS://LOGIN.MICROSOFTONLINE.COM/login.srf',
    'https://login.microsoftonline.com/login.srf?next=https://attacker.invalid',
  ])('refuses ACS %s', (acs) => {
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(authnRequestXml({ assertionConsumerServiceUrl: acs })), policy), 'SAML_ACS_MISMATCH');
    expectLanyardCode(() => readAuthnRequestFromRedirect(redirectQuery(authnRequestXml({ assertionConsumerServiceUrl: acs })), policy), 'SAML_ACS_MISMATCH');
  });

  it('refuses a foreign ACS even when the request is validly signed', () => {
    const signed = signRequestXml(authnRequestXml({ assertionConsumerServiceUrl: 'https://attacker.invalid/acs' }), entraKey);
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(signed), signedPolicy), 'SAML_ACS_MISMATCH');
  });

  it('refuses another issuer and another destination', () => {
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(authnRequestXml({ issuer: 'https://sp.attacker.invalid' })), policy), 'SAML_UNKNOWN_ISSUER');
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(authnRequestXml({ destination: 'https://idp.example.com/federation/fabrikam.com/saml2' })), policy), 'SAML_DESTINATION_MISMATCH');
  });

  it('refuses a request issued outside the clock-skew window', () => {
    const old = new Date(policy.now.getTime() - 10 * 60_000);
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(authnRequestXml({ issueInstant: old })), policy), 'SAML_REQUEST_STALE');
  });
});
