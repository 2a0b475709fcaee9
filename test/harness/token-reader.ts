import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

/**
 * Reads the claims of a token for assertions in tests. It does not verify signatures: token
 * verification is done by independent peers (xmlsec1, node-saml, pysaml2, the emulator).
 */
export interface TokenClaims {
  readonly issuer: string;
  readonly nameId: string;
  readonly upn: string | undefined;
  readonly immutableId: string | undefined;
  readonly mfa: boolean;
  readonly audience: string;
  readonly inResponseTo?: string | undefined;
  readonly destination?: string | undefined;
}

const saml1 = 'urn:oasis:names:tc:SAML:1.0:assertion';
const saml2 = 'urn:oasis:names:tc:SAML:2.0:assertion';
const mfaUri = 'http://schemas.microsoft.com/claims/multipleauthn';

function parse(xml: string) {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function first(root: Element | Document, namespace: string, name: string): Element | undefined {
  return (root.getElementsByTagNameNS(namespace, name)[0] as Element | undefined) ?? undefined;
}

export function readWsFedResult(wresult: string): TokenClaims {
  const document = parse(wresult);
  const assertion = first(document, saml1, 'Assertion')!;
  const attributes = new Map<string, string[]>();
  for (const attribute of Array.from(assertion.getElementsByTagNameNS(saml1, 'Attribute'))) {
    const values = Array.from(attribute.getElementsByTagNameNS(saml1, 'AttributeValue')).map((value) => value.textContent ?? '');
    attributes.set(`${attribute.getAttribute('AttributeNamespace')}/${attribute.getAttribute('AttributeName')}`, values);
  }
  return {
    issuer: assertion.getAttribute('Issuer') ?? '',
    nameId: first(assertion, saml1, 'NameIdentifier')?.textContent ?? '',
    upn: attributes.get('http://schemas.xmlsoap.org/claims/UPN')?.[0],
    immutableId: attributes.get('http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID')?.[0],
    mfa: attributes.get('http://schemas.microsoft.com/claims/authnmethodsreferences')?.includes(mfaUri) ?? false,
    audience: first(assertion, saml1, 'Audience')?.textContent ?? '',
  };
}

export function readSamlResponse(base64: string): TokenClaims {
  const document = parse(Buffer.from(base64, 'base64').toString('utf8'));
  const response = document.documentElement!;
  const assertion = first(document, saml2, 'Assertion')!;
  const attribute = (name: string) =>
    Array.from(assertion.getElementsByTagNameNS(saml2, 'Attribute'))
      .find((element) => element.getAttribute('Name') === name)
      ?.getElementsByTagNameNS(saml2, 'AttributeValue')[0]?.textContent ?? undefined;
  return {
    issuer: first(assertion, saml2, 'Issuer')?.textContent ?? '',
    nameId: first(assertion, saml2, 'NameID')?.textContent ?? '',
    upn: attribute('IDPEmail'),
    immutableId: attribute('http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID'),
    mfa: first(assertion, saml2, 'AuthnContextClassRef')?.textContent === mfaUri,
    audience: first(assertion, saml2, 'Audience')?.textContent ?? '',
    inResponseTo: response.getAttribute('InResponseTo') ?? undefined,
    destination: response.getAttribute('Destination') ?? undefined,
  };
}
