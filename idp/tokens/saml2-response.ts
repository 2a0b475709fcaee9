import type { SigningMaterial } from '../keys/signing-material.ts';
import { element, startTag, type NamespaceDeclaration } from '../xml/canonical-xml.ts';
import { signEnvelopedElement } from '../xml/enveloped-signature.ts';
import { microsoftOnlineAudience, multipleAuthnUri, randomXmlId, requireText, tokenTimes, type TokenInput } from './token-input.ts';

export interface SamlResponseInput extends TokenInput {
  /** The AuthnRequest ID; absent only for IdP-initiated sign-in. */
  readonly inResponseTo?: string;
  /** Where the Response is posted (login.srf); also the bearer confirmation's Recipient. */
  readonly destination: string;
  readonly sessionIndex: string;
  /** Also sign the whole Response (Microsoft requires only the Assertion signature). */
  readonly signResponse?: boolean;
}

export const samlNamespace: NamespaceDeclaration = ['saml', 'urn:oasis:names:tc:SAML:2.0:assertion'];
export const samlpNamespace: NamespaceDeclaration = ['samlp', 'urn:oasis:names:tc:SAML:2.0:protocol'];
const passwordProtectedTransport = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const uriNameFormat = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';

/** Microsoft's sample gives the bearer confirmation five minutes: long enough to post, short for replay. */
const confirmationMilliseconds = 5 * 60_000;

/**
 * A SAML 2.0 `samlp:Response` for login.srf with a signed Assertion (enveloped RSA-SHA256 after the
 * Assertion's Issuer, as the schema orders it): persistent NameID = immutable ID, bearer
 * confirmation bound to the request and recipient, audience urn:federation:MicrosoftOnline,
 * IDPEmail = UPN (plus the URI-named UPN and ImmutableID attributes), and an AuthnContextClassRef
 * that is `multipleauthn` only when a second factor happened (Entra reads MFA only there for
 * SAML-P). The markup is written in exc-c14n form and signed once; see reference §2.2.
 *
 * @example
 *   const xml = await buildSamlResponse({ ...tokenInput, destination: 'https://login.microsoftonline.com/login.srf',
 *     inResponseTo: request.id, sessionIndex: session.id }, key);
 *   const SAMLResponse = Buffer.from(xml).toString('base64');
 */
export async function buildSamlResponse(input: SamlResponseInput, key: SigningMaterial): Promise<string> {
  const times = tokenTimes(input);
  requireText('destination', input.destination);
  requireText('sessionIndex', input.sessionIndex);
  if (input.inResponseTo !== undefined) requireText('inResponseTo', input.inResponseTo);
  const audience = input.audience ?? microsoftOnlineAudience;
  const confirmationEnd = Math.min(input.now.getTime() + confirmationMilliseconds, Date.parse(times.notOnOrAfter));
  const assertionId = randomXmlId();
  const responseId = randomXmlId();

  const assertionHead =
    startTag('saml:Assertion', { ID: assertionId, IssueInstant: times.issueInstant, Version: '2.0' }, samlNamespace) +
    element('saml:Issuer', {}, { text: input.issuer });
  const assertionBody =
    element('saml:Subject', {},
      element('saml:NameID', { Format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' }, { text: input.immutableId }) +
      element('saml:SubjectConfirmation', { Method: 'urn:oasis:names:tc:SAML:2.0:cm:bearer' },
        element('saml:SubjectConfirmationData', {
          InResponseTo: input.inResponseTo,
          NotOnOrAfter: new Date(confirmationEnd).toISOString(),
          Recipient: input.destination,
        }, ''))) +
    element('saml:Conditions', { NotBefore: times.notBefore, NotOnOrAfter: times.notOnOrAfter },
      element('saml:AudienceRestriction', {}, element('saml:Audience', {}, { text: audience }))) +
    element('saml:AuthnStatement', { AuthnInstant: times.authnInstant, SessionIndex: input.sessionIndex },
      element('saml:AuthnContext', {},
        element('saml:AuthnContextClassRef', {}, { text: input.mfa ? multipleAuthnUri : passwordProtectedTransport }))) +
    element('saml:AttributeStatement', {},
      attribute('IDPEmail', undefined, input.upn) +
      attribute('http://schemas.xmlsoap.org/claims/UPN', uriNameFormat, input.upn) +
      attribute('http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID', uriNameFormat, input.immutableId)) +
    '</saml:Assertion>';
  const assertion = await signEnvelopedElement({ before: assertionHead, after: assertionBody, id: assertionId }, key);

  // The Response is canonical too (the Assertion and its Signature declare their own prefixes), so
  // signing it as a whole works the same way as signing the Assertion.
  const responseHead =
    startTag('samlp:Response', {
      Destination: input.destination,
      ID: responseId,
      InResponseTo: input.inResponseTo,
      IssueInstant: times.issueInstant,
      Version: '2.0',
    }, samlpNamespace) +
    element('saml:Issuer', {}, { text: input.issuer }, samlNamespace);
  const responseBody =
    element('samlp:Status', {}, element('samlp:StatusCode', { Value: 'urn:oasis:names:tc:SAML:2.0:status:Success' }, '')) +
    assertion +
    '</samlp:Response>';
  return input.signResponse
    ? await signEnvelopedElement({ before: responseHead, after: responseBody, id: responseId }, key)
    : responseHead + responseBody;
}

function attribute(name: string, nameFormat: string | undefined, value: string): string {
  return element('saml:Attribute', { Name: name, NameFormat: nameFormat },
    element('saml:AttributeValue', {}, { text: value }));
}
