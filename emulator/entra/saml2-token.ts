import type { Element } from '@xmldom/xmldom';
import { multipleAuthenticationClass } from './authn-request.ts';
import { parseInstant, type LocatedToken, type TokenClaims } from './federation-token.ts';
import { childElements, descendants, namespaces, optionalChild, parseStrictXml, singleChild, textOf, XmlSyntaxError } from './xml.ts';

const persistentFormat = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const successStatus = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export interface LocatedSamlResponse extends LocatedToken {
  readonly destination: string | null;
  readonly inResponseTo: string | null;
  readonly statusCode: string;
}

/** Decodes `SAMLResponse` and finds its one Assertion (encrypted assertions are not part of Entra's contract). */
export function locateSamlAssertion(samlResponse: string): LocatedSamlResponse {
  const compact = samlResponse.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new XmlSyntaxError('SAMLResponse is not base64.');
  const xml = Buffer.from(compact, 'base64').toString('utf8');
  const document = parseStrictXml(xml);
  const response = document.documentElement as Element;
  if (response.namespaceURI !== namespaces.saml2Protocol || response.localName !== 'Response') {
    throw new XmlSyntaxError('SAMLResponse is not a SAML 2.0 Response.');
  }
  if (response.getAttribute('Version') !== '2.0') throw new XmlSyntaxError('The Response must be SAML version 2.0.');
  const assertion = singleChild(response, namespaces.saml2, 'Assertion');
  if (descendants(document, namespaces.saml2, 'Assertion').length !== 1 || descendants(document, namespaces.saml2, 'EncryptedAssertion').length !== 0) {
    throw new XmlSyntaxError('The Response must contain exactly one plain assertion.');
  }
  const issuer = textOf(singleChild(assertion, namespaces.saml2, 'Issuer'));
  const status = singleChild(response, namespaces.saml2Protocol, 'Status');
  const statusCode = singleChild(status, namespaces.saml2Protocol, 'StatusCode').getAttribute('Value') ?? '';
  return {
    protocol: 'saml',
    documentXml: xml,
    assertion,
    idAttribute: 'ID',
    issuer,
    destination: response.getAttribute('Destination'),
    inResponseTo: response.getAttribute('InResponseTo'),
    statusCode,
  };
}

export function isSuccess(located: LocatedSamlResponse): boolean {
  return located.statusCode === successStatus;
}

/**
 * Reads a verified SAML 2.0 assertion: persistent NameID (the only format Entra supports) as the
 * ImmutableID; bearer SubjectConfirmationData Recipient, InResponseTo and NotOnOrAfter; audiences;
 * MFA only from AuthnContextClassRef (Entra ignores attributes for SAML-P).
 */
export function readSamlClaims(assertion: Element, response: LocatedSamlResponse): TokenClaims {
  const subject = singleChild(assertion, namespaces.saml2, 'Subject');
  const nameId = singleChild(subject, namespaces.saml2, 'NameID');
  if (nameId.getAttribute('Format') !== persistentFormat) throw new XmlSyntaxError('NameID Format must be persistent.');
  const confirmations = childElements(subject, namespaces.saml2, 'SubjectConfirmation').filter(
    (confirmation) => confirmation.getAttribute('Method') === 'urn:oasis:names:tc:SAML:2.0:cm:bearer',
  );
  if (confirmations.length !== 1) throw new XmlSyntaxError('The assertion needs one bearer SubjectConfirmation.');
  const confirmationData = singleChild(confirmations[0] as Element, namespaces.saml2, 'SubjectConfirmationData');
  const conditions = singleChild(assertion, namespaces.saml2, 'Conditions');
  const audiences = descendants(conditions, namespaces.saml2, 'Audience').map(textOf);
  const classReferences = descendants(assertion, namespaces.saml2, 'AuthnContextClassRef').map(textOf);
  let notBefore: number | undefined;
  let notOnOrAfter: number | undefined;
  try {
    notBefore = parseInstant(conditions.getAttribute('NotBefore'));
    const conditionEnd = parseInstant(conditions.getAttribute('NotOnOrAfter'));
    const confirmationEnd = parseInstant(confirmationData.getAttribute('NotOnOrAfter'));
    const ends = [conditionEnd, confirmationEnd].filter((time): time is number => time !== undefined);
    notOnOrAfter = ends.length > 0 ? Math.min(...ends) : undefined;
  } catch (error) {
    throw new XmlSyntaxError((error as Error).message);
  }
  const authnStatement = optionalChild(assertion, namespaces.saml2, 'AuthnStatement');
  if (!authnStatement) throw new XmlSyntaxError('The assertion has no AuthnStatement.');
  return {
    issuer: textOf(singleChild(assertion, namespaces.saml2, 'Issuer')),
    immutableId: textOf(nameId),
    audiences,
    notBefore,
    notOnOrAfter,
    mfaPerformed: classReferences.length === 1 && classReferences[0] === multipleAuthenticationClass,
    recipients: [confirmationData.getAttribute('Recipient') ?? '', response.destination ?? ''],
    inResponseTo: [confirmationData.getAttribute('InResponseTo') ?? '', response.inResponseTo ?? ''],
  };
}
