import { describe, it } from 'vitest';
import { readAuthnRequestFromPost } from '../../idp/saml2/authn-request.ts';
import { parseStrictXml } from '../../idp/xml/strict-xml.ts';
import { endpointUrl, hostileFixture, loginSrf, postValue } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: XML external entities (XXE) — a DOCTYPE declaring `SYSTEM "file:///etc/passwd"` or a
 * remote parameter entity makes a careless parser read local files or call out to the attacker.
 * Invariant: any message with a DOCTYPE or entity declaration is refused with XML_DTD_FORBIDDEN
 * before a parser sees it, through the raw parser and through the AuthnRequest endpoint logic.
 * Why this way: the check is on the text, so the test feeds the hostile files unchanged; whether
 * the parser *would* expand the entity does not matter and is not what is tested.
 */
describe('XXE: external entities are never processed', () => {
  const policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: false, trustedCertificates: [], now: new Date('2026-01-01T00:00:00Z') };

  it.each(['xxe-external-entity.xml', 'parameter-entity.xml'])('%s is refused before parsing', (name) => {
    expectLanyardCode(() => parseStrictXml(hostileFixture(name), { maxBytes: 65536 }), 'XML_DTD_FORBIDDEN');
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(hostileFixture(name)), policy), 'XML_DTD_FORBIDDEN');
  });
});
