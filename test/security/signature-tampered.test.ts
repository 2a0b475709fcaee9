import { beforeAll, describe, it } from 'vitest';
import { readAuthnRequestFromPost, readAuthnRequestFromRedirect, type AuthnRequestPolicy } from '../../idp/saml2/authn-request.ts';
import { authnRequestXml, createEntraKey, endpointUrl, loginSrf, postValue, redirectQuery, signRequestXml, type EntraKey } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: a genuine signed request is altered in transit (ForceAuthn dropped, ID replaced,
 * RelayState swapped) while its signature is kept.
 * Invariant: any change to signed content fails with SAML_SIGNATURE_INVALID — for the enveloped
 * signature (digest mismatch) and for the query signature (which covers RelayState too).
 * Why this way: each test starts from a request that verifies (see authn-request-verified) and
 * changes one signed value, including a digest-algorithm downgrade to an unaccepted algorithm.
 */
describe('tampered signed requests', () => {
  let entra: EntraKey;
  let policy: AuthnRequestPolicy;
  beforeAll(async () => {
    entra = await createEntraKey();
    policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: true, trustedCertificates: [entra.certificateDer], now: new Date() };
  });

  it('refuses an enveloped-signed request whose ForceAuthn was removed', () => {
    const signed = signRequestXml(authnRequestXml({ forceAuthn: true }), entra);
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(signed.replace(' ForceAuthn="true"', '')), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a signed redirect whose RelayState was swapped', () => {
    const query = redirectQuery(authnRequestXml(), { relayState: 'original', key: entra });
    expectLanyardCode(() => readAuthnRequestFromRedirect(query.replace('RelayState=original', 'RelayState=evil'), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a redirect signed with an algorithm outside the allow-list', () => {
    const query = redirectQuery(authnRequestXml(), { key: entra }).replace(
      encodeURIComponent('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'),
      encodeURIComponent('http://www.w3.org/2001/04/xmldsig-more#hmac-sha256'),
    );
    expectLanyardCode(() => readAuthnRequestFromRedirect(query, policy), 'SAML_SIGNATURE_INVALID');
  });
});
