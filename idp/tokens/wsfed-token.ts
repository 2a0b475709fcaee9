import type { SigningMaterial } from '../keys/signing-material.ts';
import { element, startTag, type NamespaceDeclaration } from '../xml/canonical-xml.ts';
import { signEnvelopedElement } from '../xml/enveloped-signature.ts';
import { microsoftOnlineAudience, multipleAuthnUri, randomXmlId, tokenTimes, type TokenInput } from './token-input.ts';

/** A WS-Fed sign-in is described by the shared token input alone. */
export type WsFedTokenInput = TokenInput;

const saml: NamespaceDeclaration = ['saml', 'urn:oasis:names:tc:SAML:1.0:assertion'];
const passwordMethod = 'urn:oasis:names:tc:SAML:1.0:am:password';
const wsu = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';

/**
 * The `wresult` of a WS-Fed sign-in: a WS-Trust Feb-2005 RequestSecurityTokenResponse (unsigned
 * wrapper, the shape AD FS sends to login.srf) carrying a SAML 1.1 assertion signed with an
 * enveloped RSA-SHA256 signature as its last child. The assertion is written directly in exc-c14n
 * form and signed once; it must never be re-serialized afterwards. See reference §1.2–1.4.
 *
 * @example
 *   const wresult = await buildWsFedResult({ issuer: 'https://idp.example.com/federation/contoso.com',
 *     immutableId: 'JLX2E74/mk2m9Jf30wGM3Q==', upn: 'alice@contoso.com', authnInstant, mfa: false,
 *     now: new Date(), lifetimeMinutes: 60 }, key);
 */
export async function buildWsFedResult(input: WsFedTokenInput, key: SigningMaterial): Promise<string> {
  const times = tokenTimes(input);
  const audience = input.audience ?? microsoftOnlineAudience;
  const assertionId = randomXmlId();
  const subject = element('saml:Subject', {},
    element('saml:NameIdentifier', { Format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' }, { text: input.immutableId }) +
    element('saml:SubjectConfirmation', {}, element('saml:ConfirmationMethod', {}, { text: 'urn:oasis:names:tc:SAML:1.0:cm:bearer' })));

  const attributes =
    attribute('UPN', 'http://schemas.xmlsoap.org/claims', input.upn) +
    attribute('ImmutableID', 'http://schemas.microsoft.com/LiveID/Federation/2008/05', input.immutableId) +
    attribute('authenticationinstant', 'http://schemas.microsoft.com/ws/2008/06/identity/claims', times.authnInstant) +
    (input.mfa ? attribute('authnmethodsreferences', 'http://schemas.microsoft.com/claims', multipleAuthnUri) : '');

  const before =
    startTag('saml:Assertion', {
      AssertionID: assertionId,
      IssueInstant: times.issueInstant,
      Issuer: input.issuer,
      MajorVersion: '1',
      MinorVersion: '1',
    }, saml) +
    element('saml:Conditions', { NotBefore: times.notBefore, NotOnOrAfter: times.notOnOrAfter },
      element('saml:AudienceRestrictionCondition', {}, element('saml:Audience', {}, { text: audience }))) +
    element('saml:AttributeStatement', {}, subject + attributes) +
    element('saml:AuthenticationStatement', {
      AuthenticationInstant: times.authnInstant,
      AuthenticationMethod: input.mfa ? multipleAuthnUri : passwordMethod,
    }, subject);
  // SAML 1.1 puts the Signature last, so everything but the end tag comes before it.
  const assertion = await signEnvelopedElement({ before, after: '</saml:Assertion>', id: assertionId }, key);

  return '<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust">' +
    '<t:Lifetime>' +
    `<wsu:Created xmlns:wsu="${wsu}">${times.issueInstant}</wsu:Created>` +
    `<wsu:Expires xmlns:wsu="${wsu}">${times.notOnOrAfter}</wsu:Expires>` +
    '</t:Lifetime>' +
    '<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">' +
    element('wsa:EndpointReference', {}, element('wsa:Address', {}, { text: audience }), ['wsa', 'http://www.w3.org/2005/08/addressing']) +
    '</wsp:AppliesTo>' +
    `<t:RequestedSecurityToken>${assertion}</t:RequestedSecurityToken>` +
    '<t:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</t:TokenType>' +
    '<t:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</t:RequestType>' +
    '<t:KeyType>http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey</t:KeyType>' +
    '</t:RequestSecurityTokenResponse>';
}

function attribute(name: string, namespace: string, value: string): string {
  return element('saml:Attribute', { AttributeName: name, AttributeNamespace: namespace },
    element('saml:AttributeValue', {}, { text: value }));
}
