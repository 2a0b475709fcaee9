import { randomUUID } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { certificateBase64, createCertificate, type KeyPairWithCertificate } from '../../emulator/tls/certificates.ts';

/** A test IdP's signing key; `certificate` is what goes into Graph's signingCertificate. */
export interface TestSigner extends KeyPairWithCertificate {
  readonly certificate: string;
}

export async function createSigner(subject: string): Promise<TestSigner> {
  const key = await createCertificate({ subject });
  return { ...key, certificate: certificateBase64(key.certificatePem) };
}

const multipleAuthentication = 'http://schemas.microsoft.com/claims/multipleauthn';

export interface AssertionOptions {
  readonly signer: TestSigner;
  readonly issuer: string;
  readonly immutableId: string;
  readonly userPrincipalName: string;
  readonly audience?: string;
  /** Seconds relative to now. */
  readonly notBeforeOffset?: number;
  readonly lifetimeSeconds?: number;
  readonly mfa?: boolean;
  readonly now?: number;
}

function instant(now: number, offsetSeconds: number): string {
  return new Date(now + offsetSeconds * 1000).toISOString();
}

function sign(xml: string, signer: TestSigner, idAttribute: string, referenceXpath: string, location: { reference: string; action: 'append' | 'after' }): string {
  const signed = new SignedXml({
    privateKey: signer.privateKeyPem,
    publicCert: signer.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    ...(idAttribute === 'ID' ? {} : { idAttribute }),
  });
  signed.addReference({
    xpath: referenceXpath,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signed.computeSignature(xml, { location });
  return signed.getSignedXml();
}

/** A WS-Trust Feb-2005 RSTR carrying a signed SAML 1.1 assertion, shaped like AD FS's (reference 1.2–1.3). */
export function wsFedRstr(options: AssertionOptions): string {
  const now = options.now ?? Date.now();
  const notBefore = instant(now, options.notBeforeOffset ?? -60);
  const notOnOrAfter = instant(now, (options.notBeforeOffset ?? -60) + (options.lifetimeSeconds ?? 3600));
  const subject = `<saml:Subject><saml:NameIdentifier Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${options.immutableId}</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:bearer</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>`;
  const mfaAttribute = options.mfa
    ? `<saml:Attribute AttributeName="authnmethodsreferences" AttributeNamespace="http://schemas.microsoft.com/claims"><saml:AttributeValue>${multipleAuthentication}</saml:AttributeValue></saml:Attribute>`
    : '';
  const assertion =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" MajorVersion="1" MinorVersion="1" AssertionID="_${randomUUID()}" Issuer="${options.issuer}" IssueInstant="${instant(now, 0)}">` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestrictionCondition><saml:Audience>${options.audience ?? 'urn:federation:MicrosoftOnline'}</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions>` +
    `<saml:AttributeStatement>${subject}` +
    `<saml:Attribute AttributeName="UPN" AttributeNamespace="http://schemas.xmlsoap.org/claims"><saml:AttributeValue>${options.userPrincipalName}</saml:AttributeValue></saml:Attribute>` +
    `<saml:Attribute AttributeName="ImmutableID" AttributeNamespace="http://schemas.microsoft.com/LiveID/Federation/2008/05"><saml:AttributeValue>${options.immutableId}</saml:AttributeValue></saml:Attribute>` +
    `${mfaAttribute}</saml:AttributeStatement>` +
    `<saml:AuthenticationStatement AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password" AuthenticationInstant="${instant(now, 0)}">${subject}</saml:AuthenticationStatement>` +
    `</saml:Assertion>`;
  const signedAssertion = sign(assertion, options.signer, 'AssertionID', "/*[local-name(.)='Assertion']", {
    reference: "/*[local-name(.)='Assertion']",
    action: 'append',
  });
  return (
    `<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust">` +
    `<t:Lifetime><wsu:Created xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${notBefore}</wsu:Created><wsu:Expires xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${notOnOrAfter}</wsu:Expires></t:Lifetime>` +
    `<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>urn:federation:MicrosoftOnline</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
    `<t:RequestedSecurityToken>${signedAssertion}</t:RequestedSecurityToken>` +
    `<t:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</t:TokenType>` +
    `<t:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</t:RequestType>` +
    `<t:KeyType>http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey</t:KeyType>` +
    `</t:RequestSecurityTokenResponse>`
  );
}

export interface SamlResponseOptions extends AssertionOptions {
  readonly inResponseTo: string;
  /** login.srf on the emulator. */
  readonly destination: string;
  readonly recipient?: string;
}

/** A SAML 2.0 Response with a signed assertion, shaped as Microsoft's SAML-IdP page asks (reference 2.2). */
export function samlResponseXml(options: SamlResponseOptions): string {
  const now = options.now ?? Date.now();
  const notBefore = instant(now, options.notBeforeOffset ?? -60);
  const notOnOrAfter = instant(now, (options.notBeforeOffset ?? -60) + (options.lifetimeSeconds ?? 3600));
  const classReference = options.mfa ? multipleAuthentication : 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
  const assertion =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_${randomUUID()}" Version="2.0" IssueInstant="${instant(now, 0)}">` +
    `<saml:Issuer>${options.issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${options.immutableId}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${options.inResponseTo}" NotOnOrAfter="${instant(now, 300)}" Recipient="${options.recipient ?? options.destination}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${options.audience ?? 'urn:federation:MicrosoftOnline'}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AttributeStatement><saml:Attribute Name="IDPEmail"><saml:AttributeValue>${options.userPrincipalName}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
    `<saml:AuthnStatement AuthnInstant="${instant(now, 0)}" SessionIndex="_${randomUUID()}"><saml:AuthnContext><saml:AuthnContextClassRef>${classReference}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `</saml:Assertion>`;
  const signedAssertion = sign(assertion, options.signer, 'ID', "/*[local-name(.)='Assertion']", {
    reference: "/*/*[local-name(.)='Issuer']",
    action: 'after',
  });
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_${randomUUID()}" Version="2.0" IssueInstant="${instant(now, 0)}" Destination="${options.destination}" InResponseTo="${options.inResponseTo}">` +
    `<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">${options.issuer}</Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `${signedAssertion}</samlp:Response>`
  );
}
