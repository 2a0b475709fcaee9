import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

/** An AuthnRequest shaped like Entra's (reference §2.1): unsigned, no ACS URL, persistent NameID. */
export function entraAuthnRequest(options: { id?: string; destination?: string; forceAuthn?: boolean; requestMfa?: boolean } = {}): { id: string; xml: string } {
  const id = options.id ?? `_${randomBytes(16).toString('hex')}`;
  const attributes = [
    `ID="${id}"`,
    'Version="2.0"',
    `IssueInstant="${new Date().toISOString()}"`,
    options.destination ? `Destination="${options.destination}"` : '',
    options.forceAuthn ? 'ForceAuthn="true"' : '',
  ].filter(Boolean).join(' ');
  const requestedContext = options.requestMfa
    ? '<samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>http://schemas.microsoft.com/claims/multipleauthn</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>'
    : '';
  const xml = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ${attributes}><saml:Issuer>urn:federation:MicrosoftOnline</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"/>${requestedContext}</samlp:AuthnRequest>`;
  return { id, xml };
}

/** The HTTP-Redirect binding's query: base64 of the raw-DEFLATEd XML. */
export function redirectQuery(xml: string, relayState?: string): string {
  const query = new URLSearchParams({ SAMLRequest: deflateRawSync(Buffer.from(xml)).toString('base64') });
  if (relayState) query.set('RelayState', relayState);
  return query.toString();
}
