import { describe, it } from 'vitest';
import { parseStrictXml } from '../../idp/xml/strict-xml.ts';
import { hostileFixture } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: "billion laughs" — nested internal entities that expand a 1 KB message into gigabytes
 * of text, exhausting memory and CPU (denial of service without any file access).
 * Invariant: internal entity declarations are refused as DTD content (XML_DTD_FORBIDDEN); nothing
 * is expanded. Why this way: the fixture is the classic attack verbatim; the test completing at all
 * (no out-of-memory) plus the stable code shows the expansion never started.
 */
describe('billion laughs', () => {
  it('is refused without expanding anything', () => {
    expectLanyardCode(() => parseStrictXml(hostileFixture('billion-laughs.xml'), { maxBytes: 65536 }), 'XML_DTD_FORBIDDEN');
  });
});
