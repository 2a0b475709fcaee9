import type { Element } from '@xmldom/xmldom';
import { multipleAuthenticationClass } from './authn-request.ts';
import { parseInstant, type LocatedToken, type TokenClaims } from './federation-token.ts';
import { childElements, descendants, namespaces, parseStrictXml, singleChild, textOf, XmlSyntaxError } from './xml.ts';

const immutableIdNamespace = 'http://schemas.microsoft.com/LiveID/Federation/2008/05';

/**
 * Finds the one SAML 1.1 assertion in a WS-Trust RSTR (Feb-2005 namespace as AD FS sends it, or the 1.3
 * RSTR/RSTRC). More than one assertion anywhere in the document is refused: that is signature wrapping.
 */
export function locateWsFedAssertion(wresult: string): LocatedToken {
  const document = parseStrictXml(wresult);
  let response = document.documentElement as Element;
  if (response.namespaceURI === namespaces.trust13 && response.localName === 'RequestSecurityTokenResponseCollection') {
    response = singleChild(response, namespaces.trust13, 'RequestSecurityTokenResponse');
  }
  const trust = response.namespaceURI;
  if (response.localName !== 'RequestSecurityTokenResponse' || (trust !== namespaces.trust2005 && trust !== namespaces.trust13)) {
    throw new XmlSyntaxError('wresult is not a WS-Trust RequestSecurityTokenResponse.');
  }
  const requested = singleChild(response, trust, 'RequestedSecurityToken');
  const assertion = singleChild(requested, namespaces.saml1, 'Assertion');
  if (descendants(document, namespaces.saml1, 'Assertion').length !== 1 || descendants(document, namespaces.saml2, 'Assertion').length !== 0) {
    throw new XmlSyntaxError('wresult must contain exactly one assertion.');
  }
  const issuer = assertion.getAttribute('Issuer');
  if (!issuer) throw new XmlSyntaxError('The assertion has no Issuer.');
  return { protocol: 'wsFed', documentXml: wresult, assertion, idAttribute: 'AssertionID', issuer };
}

/**
 * Reads a verified SAML 1.1 assertion. The ImmutableID is the NameIdentifier (AD FS sends it there and
 * as the ImmutableID attribute; when both are present they must agree). MFA is signalled by
 * `authnmethodsreferences` or `authenticationmethod` = multipleauthn, or by the AuthenticationMethod.
 */
export function readWsFedClaims(assertion: Element): TokenClaims {
  const conditions = singleChild(assertion, namespaces.saml1, 'Conditions');
  const audiences = descendants(conditions, namespaces.saml1, 'Audience').map(textOf);
  const nameIdentifiers = descendants(assertion, namespaces.saml1, 'NameIdentifier').map(textOf);
  const subjectIds = new Set(nameIdentifiers);
  if (subjectIds.size !== 1) throw new XmlSyntaxError('The assertion must name one subject.');
  const immutableId = [...subjectIds][0] as string;
  const attributes = descendants(assertion, namespaces.saml1, 'Attribute');
  const values = (namespace: string, name: string): string[] =>
    attributes
      .filter((attribute) => attribute.getAttribute('AttributeNamespace') === namespace && attribute.getAttribute('AttributeName') === name)
      .flatMap((attribute) => childElements(attribute, namespaces.saml1, 'AttributeValue').map(textOf));
  const immutableIdAttribute = values(immutableIdNamespace, 'ImmutableID');
  if (immutableIdAttribute.some((value) => value !== immutableId)) {
    throw new XmlSyntaxError('The ImmutableID attribute differs from the NameIdentifier.');
  }
  const authenticationMethods = descendants(assertion, namespaces.saml1, 'AuthenticationStatement').map(
    (statement) => statement.getAttribute('AuthenticationMethod') ?? '',
  );
  const mfaPerformed = [
    ...values('http://schemas.microsoft.com/claims', 'authnmethodsreferences'),
    ...values('http://schemas.microsoft.com/ws/2008/06/identity/claims', 'authenticationmethod'),
    ...authenticationMethods,
  ].includes(multipleAuthenticationClass);
  let notBefore: number | undefined;
  let notOnOrAfter: number | undefined;
  try {
    notBefore = parseInstant(conditions.getAttribute('NotBefore'));
    notOnOrAfter = parseInstant(conditions.getAttribute('NotOnOrAfter'));
  } catch (error) {
    throw new XmlSyntaxError((error as Error).message);
  }
  return {
    issuer: assertion.getAttribute('Issuer') ?? '',
    immutableId,
    audiences,
    notBefore,
    notOnOrAfter,
    mfaPerformed,
    recipients: [],
    inResponseTo: [],
  };
}
