import type { Domain, SigningKeyRow } from '../../core/db/schema.ts';

export interface MetadataInput {
  readonly domain: Domain;
  readonly publicUrl: string;
  readonly signingCertificates: readonly SigningKeyRow[];
}

/**
 * Federation metadata for one domain: a WS-Federation SecurityTokenService role (what AD FS
 * publishes) and a SAML 2.0 IdP role, each listing every published signing certificate (current,
 * and next during a rollover), so a relying party that reads metadata trusts the next key early.
 * Entra itself does not read it (it takes certificates from the Graph configuration).
 */
export function renderFederationMetadata({ domain, publicUrl, signingCertificates }: MetadataInput): string {
  const base = `${publicUrl}/federation/${domain.name}`;
  const keys = signingCertificates
    .map((key) => `<KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>`)
    .join('');
  const wsfed = escapeXml(`${base}/wsfed`);
  const saml = escapeXml(`${base}/saml2`);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" entityID="${escapeXml(domain.issuerUri)}">`,
    `<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">`,
    keys,
    `<fed:TokenTypesOffered><fed:TokenType Uri="urn:oasis:names:tc:SAML:1.0:assertion"/></fed:TokenTypesOffered>`,
    `<fed:ClaimTypesOffered>`,
    claimType('http://schemas.xmlsoap.org/claims/UPN', 'UPN'),
    claimType('http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID', 'ImmutableID'),
    claimType('http://schemas.microsoft.com/claims/authnmethodsreferences', 'Authentication methods references'),
    `</fed:ClaimTypesOffered>`,
    `<fed:PassiveRequestorEndpoint><wsa:EndpointReference><wsa:Address>${wsfed}</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint>`,
    `<fed:SecurityTokenServiceEndpoint><wsa:EndpointReference><wsa:Address>${wsfed}</wsa:Address></wsa:EndpointReference></fed:SecurityTokenServiceEndpoint>`,
    `</RoleDescriptor>`,
    `<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="${domain.requireSignedRequests ? 'true' : 'false'}">`,
    keys,
    `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${saml}/logout"/>`,
    `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${saml}/logout"/>`,
    `<NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>`,
    `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${saml}"/>`,
    `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${saml}"/>`,
    `</IDPSSODescriptor>`,
    `</EntityDescriptor>`,
  ].join('\n');
}

function claimType(uri: string, displayName: string): string {
  return `<auth:ClaimType xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706" Uri="${uri}" Optional="true"><auth:DisplayName>${displayName}</auth:DisplayName></auth:ClaimType>`;
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"]/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[character]!);
}
