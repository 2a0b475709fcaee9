import type { SigningMaterial } from '../keys/signing-material.ts';
import { dateTime, element, startTag } from '../xml/canonical-xml.ts';
import { signEnvelopedElement } from '../xml/enveloped-signature.ts';
import { samlNamespace, samlpNamespace } from './saml2-response.ts';
import { randomXmlId, requireText } from './token-input.ts';

export interface SamlLogoutResponseInput {
  /** The domain's issuerUri. */
  readonly issuer: string;
  /** The LogoutRequest ID this answers. */
  readonly inResponseTo: string;
  /** Microsoft's SingleLogoutService (login.srf). */
  readonly destination: string;
  readonly now: Date;
}

/**
 * A signed `samlp:LogoutResponse` with status Success, for the HTTP-POST binding (the Signature
 * sits after Issuer, as the schema orders it). Written in exc-c14n form like the tokens.
 *
 * @example
 *   const xml = await buildSamlLogoutResponse({ issuer, inResponseTo: logoutRequest.id,
 *     destination: 'https://login.microsoftonline.com/login.srf', now: new Date() }, key);
 */
export async function buildSamlLogoutResponse(input: SamlLogoutResponseInput, key: SigningMaterial): Promise<string> {
  requireText('issuer', input.issuer);
  requireText('inResponseTo', input.inResponseTo);
  requireText('destination', input.destination);
  const id = randomXmlId();
  const before =
    startTag('samlp:LogoutResponse', {
      Destination: input.destination,
      ID: id,
      InResponseTo: input.inResponseTo,
      IssueInstant: dateTime(input.now),
      Version: '2.0',
    }, samlpNamespace) +
    element('saml:Issuer', {}, { text: input.issuer }, samlNamespace);
  const after =
    element('samlp:Status', {}, element('samlp:StatusCode', { Value: 'urn:oasis:names:tc:SAML:2.0:status:Success' }, '')) +
    '</samlp:LogoutResponse>';
  return await signEnvelopedElement({ before, after, id }, key);
}
