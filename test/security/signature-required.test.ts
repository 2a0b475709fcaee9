import { beforeAll, describe, it } from 'vitest';
import { readAuthnRequestFromPost, readAuthnRequestFromRedirect, type AuthnRequestPolicy } from '../../idp/saml2/authn-request.ts';
import { authnRequestXml, createEntraKey, endpointUrl, loginSrf, postValue, redirectQuery } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: a domain set to isSignedAuthenticationRequestRequired receives an unsigned request (an
 * attacker starting sign-ins with chosen parameters, or a downgrade by stripping the signature).
 * Invariant: when the policy requires signatures, an unsigned request fails with
 * SAML_SIGNATURE_REQUIRED on both bindings, and a SigAlg without Signature (half-stripped query)
 * is invalid. Why this way: the same request passes in authn-request-verified.test.ts once signed,
 * so only the missing signature causes the failure here.
 */
describe('signature required but missing', () => {
  let policy: AuthnRequestPolicy;
  beforeAll(async () => {
    policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: true, trustedCertificates: [(await createEntraKey()).certificateDer], now: new Date() };
  });

  it('refuses an unsigned HTTP-POST request', () => {
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(authnRequestXml()), policy), 'SAML_SIGNATURE_REQUIRED');
  });

  it('refuses an unsigned HTTP-Redirect request', () => {
    expectLanyardCode(() => readAuthnRequestFromRedirect(redirectQuery(authnRequestXml()), policy), 'SAML_SIGNATURE_REQUIRED');
  });

  it('refuses a query whose Signature was stripped but SigAlg kept', () => {
    const query = `${redirectQuery(authnRequestXml())}&SigAlg=${encodeURIComponent('http://www.w3.org/2000/09/xmldsig#rsa-sha1')}`;
    expectLanyardCode(() => readAuthnRequestFromRedirect(query, policy), 'SAML_SIGNATURE_INVALID');
  });
});
