import { beforeAll, describe, expect, it } from 'vitest';
import { readAuthnRequestFromPost, type AuthnRequestPolicy } from '../../idp/saml2/authn-request.ts';
import { authnRequestXml, createEntraKey, endpointUrl, loginSrf, postValue, signRequestXml, type EntraKey } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: XML signature wrapping (XSW). The attacker keeps a genuinely signed element somewhere in
 * the document and puts their own unsigned content where the application reads, hoping the
 * verifier checks one node while the application uses another.
 * Invariant: either the message is refused (SAML_SIGNATURE_INVALID), or every returned field comes
 * from the signed bytes; attacker values never come back.
 * Why this way: one test per known XSW shape (duplicate ID, signed request nested in an unsigned
 * one, signature moved, signature on a child element), each built from a request that verifies.
 */
describe('signature wrapping', () => {
  let entra: EntraKey;
  let policy: AuthnRequestPolicy;
  let signed: string;
  beforeAll(async () => {
    entra = await createEntraKey();
    policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: true, trustedCertificates: [entra.certificateDer], now: new Date() };
    signed = signRequestXml(authnRequestXml({ id: '_genuine', forceAuthn: true }), entra);
  });

  const evilRequest = (id: string) => authnRequestXml({ id, assertionConsumerServiceUrl: 'https://attacker.invalid/acs' });

  it('refuses an unsigned root that wraps the signed request (signed one hidden in Extensions)', () => {
    const inner = signed.replace('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"', '<samlp:AuthnRequest');
    const wrapped = evilRequest('_evil').replace('</samlp:AuthnRequest>', `<samlp:Extensions>${inner}</samlp:Extensions></samlp:AuthnRequest>`);
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(wrapped), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a root that reuses the signed ID next to the signed copy (duplicate IDs)', () => {
    const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
    const wrapped = evilRequest('_genuine').replace('</Issuer>', `</Issuer>${signature}<samlp:Extensions>${signed.replace(/<Signature[\s\S]*<\/Signature>/, '')}</samlp:Extensions>`);
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(wrapped), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a signature moved onto an attacker request that references the original ID', () => {
    const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
    const moved = evilRequest('_evil').replace('</Issuer>', `</Issuer>${signature}`);
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(moved), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a signature that is not a direct child of the root', () => {
    const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
    const nested = signed.replace(signature, '').replace('</samlp:AuthnRequest>', `<samlp:Extensions>${signature}</samlp:Extensions></samlp:AuthnRequest>`);
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(nested), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a second Signature element added after the genuine one', () => {
    const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(signed.replace(signature, signature + signature)), policy), 'SAML_SIGNATURE_INVALID');
  });

  it('returns only signed values: comments injected into signed text are not read as different data', () => {
    // exc-c14n without comments removes comments before digesting, so this still verifies; the
    // value returned must be the one the signer saw, not a truncated text node.
    const commented = signed.replace('urn:federation:MicrosoftOnline</Issuer>', 'urn:federation:<!-- x -->MicrosoftOnline</Issuer>');
    const request = readAuthnRequestFromPost(postValue(commented), policy);
    expect([request.id, request.issuer, request.forceAuthn, request.signed]).toEqual(['_genuine', 'urn:federation:MicrosoftOnline', true, true]);
  });
});
