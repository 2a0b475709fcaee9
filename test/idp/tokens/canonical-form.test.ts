import { X509Certificate, verify } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SigningMaterial } from '../../../idp/keys/signing-material.ts';
import { buildSamlLogoutResponse } from '../../../idp/tokens/saml2-logout-response.ts';
import { buildSamlResponse } from '../../../idp/tokens/saml2-response.ts';
import { buildWsFedResult } from '../../../idp/tokens/wsfed-token.ts';
import { isLanyardError } from '../../../core/errors.ts';
import { createTestSigningMaterial, hostileValues, loginSrf } from './signing-fixture.ts';

/**
 * The token builders never canonicalize: they write markup that must already be its own exc-c14n
 * form, digest those bytes and sign a SignedInfo they also write by hand. These tests hold them to
 * that with an independent canonicalizer (xml-crypto's ExclusiveCanonicalization): for every
 * hostile value in every user-controlled position, parsing the output and canonicalizing the
 * signed element must give back exactly the bytes emitted, and the canonical SignedInfo must be
 * what the RSA signature covers.
 */
const dsNamespace = 'http://www.w3.org/2000/09/xmldsig#';

function canonicalize(node: Element): string {
  return new ExclusiveCanonicalization().process(node as never, {}) as unknown as string;
}

function parse(xml: string) {
  return new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(xml, 'text/xml');
}

function emittedElement(xml: string, startMarker: string, endMarker: string): string {
  const start = xml.indexOf(startMarker);
  return xml.slice(start, xml.indexOf(endMarker, start) + endMarker.length);
}

/** Checks one signed element: canonical round trip, signature over the canonical SignedInfo, digest. */
function expectSelfCanonical(xml: string, namespace: string, localName: string, qualifiedName: string, key: SigningMaterial): void {
  const document = parse(xml);
  const signed = document.getElementsByTagNameNS(namespace, localName)[0]!;
  expect(canonicalize(signed)).toBe(emittedElement(xml, `<${qualifiedName} `, `</${qualifiedName}>`));

  const signature = [...Array.from(signed.childNodes)].find((child) => (child as Element).localName === 'Signature') as Element;
  const signedInfo = signature.getElementsByTagNameNS(dsNamespace, 'SignedInfo')[0]!;
  const signatureValue = Buffer.from(signature.getElementsByTagNameNS(dsNamespace, 'SignatureValue')[0]!.textContent!, 'base64');
  const publicKey = new X509Certificate(key.certificateDer).publicKey;
  expect(verify('sha256', Buffer.from(canonicalize(signedInfo), 'utf8'), publicKey, signatureValue)).toBe(true);
}

describe('tokens are written in exclusive canonical form', () => {
  let key: SigningMaterial;
  beforeAll(async () => {
    key = await createTestSigningMaterial();
  });

  const base = { authnInstant: new Date('2026-01-02T03:04:05.678Z'), now: new Date(), lifetimeMinutes: 60 };

  it.each(hostileValues)('WS-Fed assertion with %j in every user value', async (value) => {
    for (const mfa of [false, true]) {
      const wresult = await buildWsFedResult({ ...base, mfa, issuer: `https://idp/${value}`, immutableId: value, upn: `${value}@contoso.com` }, key);
      expectSelfCanonical(wresult, 'urn:oasis:names:tc:SAML:1.0:assertion', 'Assertion', 'saml:Assertion', key);
    }
  });

  it.each(hostileValues)('SAML 2.0 assertion and signed Response with %j in every user value', async (value) => {
    const response = await buildSamlResponse({
      ...base, mfa: true, issuer: `https://idp/${value}`, immutableId: value, upn: `${value}@contoso.com`,
      destination: `${loginSrf}?${value}`, inResponseTo: `_${value}`, sessionIndex: value, audience: value, signResponse: true,
    }, key);
    expectSelfCanonical(response, 'urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion', 'saml:Assertion', key);
    expectSelfCanonical(response, 'urn:oasis:names:tc:SAML:2.0:protocol', 'Response', 'samlp:Response', key);
  });

  it.each(hostileValues)('LogoutResponse with %j', async (value) => {
    const xml = await buildSamlLogoutResponse({ issuer: value, inResponseTo: value, destination: value, now: new Date() }, key);
    expectSelfCanonical(xml, 'urn:oasis:names:tc:SAML:2.0:protocol', 'LogoutResponse', 'samlp:LogoutResponse', key);
  });

  it('refuses characters XML cannot carry instead of signing something peers would read differently', async () => {
    for (const value of ['nul\u0000', 'bell\u0007', 'lone\uD800surrogate', 'nonchar\uFFFE']) {
      let caught: unknown;
      try {
        await buildWsFedResult({ ...base, mfa: false, issuer: 'https://idp/x', immutableId: 'abc', upn: value }, key);
      } catch (error) {
        caught = error;
      }
      expect(isLanyardError(caught, 'XML_INVALID_CHARACTER')).toBe(true);
    }
  });
});
