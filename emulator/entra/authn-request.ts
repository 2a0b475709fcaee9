import * as x509 from '@peculiar/x509';
import { SignedXml } from 'xml-crypto';
import { microsoftOnlineUrn, type EmulatorContext } from '../context.ts';
import type { FederationConfiguration } from '../state/model.ts';
import { escapeHtml } from './pages.ts';

export const multipleAuthenticationClass = 'http://schemas.microsoft.com/claims/multipleauthn';

/**
 * Entra's SAML-P AuthnRequest (federation reference 2.1): unsigned by default, no ACS URL and no
 * ProtocolBinding, persistent NameID policy. With `isSignedAuthenticationRequestRequired` it adds
 * Destination and an enveloped signature made with the "OrgID" key: exc-c14n, RSA-SHA1/SHA-1 as in
 * Microsoft's sample, KeyInfo with only KeyName "MicrosoftOnline" and X509SKI, so the IdP must take the
 * certificate from Entra's SAML metadata. An MFA bounce asks for `multipleauthn` in RequestedAuthnContext.
 */
export function buildAuthnRequest(
  context: EmulatorContext,
  configuration: FederationConfiguration,
  request: { readonly id: string; readonly mfaRequested: boolean },
): string {
  const issueInstant = new Date(context.state.now()).toISOString();
  const signed = configuration.isSignedAuthenticationRequestRequired;
  const destination = signed ? ` Destination="${escapeHtml(configuration.passiveSignInUri)}"` : '';
  const requestedContext = request.mfaRequested
    ? `<samlp:RequestedAuthnContext Comparison="exact"><AuthnContextClassRef xmlns="urn:oasis:names:tc:SAML:2.0:assertion">${multipleAuthenticationClass}</AuthnContextClassRef></samlp:RequestedAuthnContext>`
    : '';
  const xml =
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="${request.id}" Version="2.0" IssueInstant="${issueInstant}"${destination}>` +
    `<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">${microsoftOnlineUrn}</Issuer>` +
    `<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"/>` +
    requestedContext +
    `</samlp:AuthnRequest>`;
  return signed ? signAuthnRequest(context, xml) : xml;
}

function signAuthnRequest(context: EmulatorContext, xml: string): string {
  const key = context.keys.organizationIdSigning;
  const subjectKeyIdentifier = Buffer.from(organizationIdSubjectKeyIdentifier(context), 'hex').toString('base64');
  const signer = new SignedXml({
    privateKey: key.privateKeyPem,
    signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    getKeyInfoContent: () =>
      `<KeyName>MicrosoftOnline</KeyName><X509Data><X509SKI>${subjectKeyIdentifier}</X509SKI></X509Data>`,
  });
  signer.addReference({
    xpath: "/*[local-name(.)='AuthnRequest']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1',
  });
  // SAML's schema puts the Signature right after Issuer.
  signer.computeSignature(xml, { location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' } });
  return signer.getSignedXml();
}

export function organizationIdSubjectKeyIdentifier(context: EmulatorContext): string {
  const certificate = new x509.X509Certificate(context.keys.organizationIdSigning.certificatePem);
  const extension = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  if (!extension) throw new Error('The OrgID certificate has no subject key identifier.');
  return extension.keyId;
}
