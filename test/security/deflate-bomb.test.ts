import { deflateRawSync } from 'node:zlib';
import { describe, it } from 'vitest';
import { readAuthnRequestFromRedirect } from '../../idp/saml2/authn-request.ts';
import { authnRequestXml, endpointUrl, loginSrf } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: a deflate ("zip") bomb in the HTTP-Redirect binding: a few kilobytes of DEFLATE in the
 * URL that inflate to hundreds of megabytes.
 * Invariant: inflation stops at the message limit (XML_TOO_LARGE); memory use stays bounded by the
 * limit, not by the compression ratio.
 * Why this way: the bomb is built in the test (50 MB of one repeated byte compresses to ~50 KB;
 * storing it would only hide what it is) and is still small enough to fit in a URL-sized query.
 */
describe('deflate bomb in HTTP-Redirect', () => {
  const policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: false, trustedCertificates: [], now: new Date(), maxMessageBytes: 64 * 1024 };

  it('stops inflating at the limit', () => {
    const bomb = deflateRawSync(Buffer.concat([Buffer.from(authnRequestXml().slice(0, 60)), Buffer.alloc(50 * 1024 * 1024, 0x41)]), { level: 9 });
    const query = `SAMLRequest=${encodeURIComponent(bomb.toString('base64'))}`;
    expectLanyardCode(() => readAuthnRequestFromRedirect(query, policy), 'XML_TOO_LARGE');
  });

  it('refuses data that is not raw DEFLATE', () => {
    expectLanyardCode(() => readAuthnRequestFromRedirect(`SAMLRequest=${encodeURIComponent(Buffer.from('not deflate').toString('base64'))}`, policy), 'SAML_REQUEST_MALFORMED');
  });
});
