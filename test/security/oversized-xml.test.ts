import { describe, it } from 'vitest';
import { readAuthnRequestFromPost } from '../../idp/saml2/authn-request.ts';
import { parseStrictXml } from '../../idp/xml/strict-xml.ts';
import { authnRequestXml, endpointUrl, loginSrf, postValue } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: a huge message (megabytes of attributes or text) that costs memory and CPU to decode,
 * parse and canonicalize before anything decides it is unwanted.
 * Invariant: a message over the caller's limit is refused with XML_TOO_LARGE from its length
 * alone, before base64 decoding or parsing; a message just under the limit still parses.
 * Why this way: the size is generated (a fixture file of megabytes would bloat the repository);
 * the boundary case proves the limit is the configured one, not an accident.
 */
describe('oversized XML', () => {
  const padding = (bytes: number) => `<a>${'x'.repeat(bytes - 7)}</a>`;

  it('refuses one byte over the limit and accepts exactly the limit', () => {
    expectLanyardCode(() => parseStrictXml(padding(1025), { maxBytes: 1024 }), 'XML_TOO_LARGE');
    parseStrictXml(padding(1024), { maxBytes: 1024 });
  });

  it('refuses an oversized HTTP-POST SAMLRequest before decoding it', () => {
    const huge = authnRequestXml().replace('</samlp:AuthnRequest>', `<x>${'A'.repeat(5 * 1024 * 1024)}</x></samlp:AuthnRequest>`);
    const policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: false, trustedCertificates: [], now: new Date() };
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(huge), policy), 'XML_TOO_LARGE');
  });
});
