import { beforeAll, describe, it } from 'vitest';
import { readAuthnRequestFromPost, readAuthnRequestFromRedirect, type AuthnRequestPolicy } from '../../idp/saml2/authn-request.ts';
import { authnRequestXml, createEntraKey, endpointUrl, loginSrf, postValue, redirectQuery, signRequestXml, type EntraKey } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: an attacker signs a request with their own key, and either hopes the verifier trusts
 * any valid signature or embeds their certificate in KeyInfo for the verifier to pick up.
 * Invariant: only the caller's pinned certificates verify; a certificate inside the message is
 * ignored (SAML_SIGNATURE_INVALID), and with no pinned certificate a signed message is refused.
 * Why this way: the attacker's signature is cryptographically valid and carries its own X509Data,
 * so the only thing that can reject it is key pinning.
 */
describe('request signed with an untrusted key', () => {
  let trusted: EntraKey;
  let attacker: EntraKey;
  let policy: AuthnRequestPolicy;
  beforeAll(async () => {
    trusted = await createEntraKey();
    attacker = await createEntraKey();
    policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: true, trustedCertificates: [trusted.certificateDer], now: new Date() };
  });

  it('refuses an enveloped signature by another key, even with that key in KeyInfo', () => {
    const signed = signRequestXml(authnRequestXml(), attacker, 'sha256').replace(
      '<KeyName>MicrosoftOnline</KeyName>',
      `<X509Data><X509Certificate>${attacker.certificateDer.toString('base64')}</X509Certificate></X509Data>`,
    );
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(signed), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a redirect query signed by another key', () => {
    expectLanyardCode(() => readAuthnRequestFromRedirect(redirectQuery(authnRequestXml(), { key: attacker }), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a signed request when no certificate is pinned', () => {
    const signed = signRequestXml(authnRequestXml(), trusted);
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(signed), { ...policy, requireSignature: false, trustedCertificates: [] }), 'SAML_SIGNATURE_INVALID');
  });
});
