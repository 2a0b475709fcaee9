import { describe, it } from 'vitest';
import { parseStrictXml } from '../../idp/xml/strict-xml.ts';
import { hostileFixture } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: a DOCTYPE with an external DTD (fetched by some parsers: SSRF, schema tricks that add
 * default attributes such as IDs) and processing instructions such as xml-stylesheet.
 * Invariant: any DOCTYPE, DTD declaration or processing instruction other than the leading XML
 * declaration is refused (XML_DTD_FORBIDDEN); a plain XML declaration is still fine.
 * Why this way: each construct is tested on its own, so loosening one rule fails one named case.
 */
describe('DTDs and processing instructions', () => {
  it.each(['external-dtd.xml', 'processing-instruction.xml'])('%s is refused', (name) => {
    expectLanyardCode(() => parseStrictXml(hostileFixture(name), { maxBytes: 65536 }), 'XML_DTD_FORBIDDEN');
  });

  it.each([
    '<!DOCTYPE a><a/>',
    '<a><!ELEMENT a ANY></a>',
    '<a><?php echo 1; ?></a>',
    ' <?xml version="1.0"?><a/>',
  ])('refuses %j', (xml) => {
    expectLanyardCode(() => parseStrictXml(xml, { maxBytes: 65536 }), 'XML_DTD_FORBIDDEN');
  });

  it('accepts an XML declaration, comments and CDATA', () => {
    parseStrictXml('<?xml version="1.0" encoding="UTF-8"?><a><!-- note --><![CDATA[x]]></a>', { maxBytes: 65536 });
  });

  it('refuses a non-UTF-8 encoding declaration as malformed', () => {
    expectLanyardCode(() => parseStrictXml('<?xml version="1.0" encoding="UTF-16"?><a/>', { maxBytes: 65536 }), 'XML_MALFORMED');
  });
});
