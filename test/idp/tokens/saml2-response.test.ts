import { DOMParser, type Element } from '@xmldom/xmldom';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SigningMaterial } from '../../../idp/keys/signing-material.ts';
import { buildSamlResponse, type SamlResponseInput } from '../../../idp/tokens/saml2-response.ts';
import { identityProviderMetadata, validateWithPysaml2 } from '../../peers/pysaml2.ts';
import { toPem, verifyWithXmlsec1, xmlsecIdAttributes } from '../../peers/xmlsec1.ts';
import { createTestSigningMaterial, loginSrf } from './signing-fixture.ts';

const assertionNamespace = 'urn:oasis:names:tc:SAML:2.0:assertion';
const protocolNamespace = 'urn:oasis:names:tc:SAML:2.0:protocol';
const audience = 'urn:federation:MicrosoftOnline';
const issuer = 'https://idp.example.com/federation/contoso.com';

function responseInput(overrides: Partial<SamlResponseInput> = {}): SamlResponseInput {
  return {
    issuer,
    immutableId: 'U1Tz+0GabkWF7mmSkcIt7A==',
    upn: 'alice@contoso.com',
    authnInstant: new Date(Date.now() - 30_000),
    mfa: false,
    now: new Date(),
    lifetimeMinutes: 60,
    destination: loginSrf,
    inResponseTo: '_request-1',
    sessionIndex: 'session-1',
    ...overrides,
  };
}

function child(parent: Element, namespace: string, name: string): Element {
  return parent.getElementsByTagNameNS(namespace, name)[0]!;
}

/** node-saml as Entra would be configured: our cert pinned, signed assertions, audience, InResponseTo. */
async function nodeSamlServiceProvider(certificate: Buffer, requestId: string): Promise<SAML> {
  const serviceProvider = new SAML({
    idpCert: toPem(certificate),
    issuer: audience,
    audience,
    callbackUrl: loginSrf,
    entryPoint: 'https://idp.example.com/federation/contoso.com/saml2',
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    generateUniqueId: () => requestId,
  });
  // Issuing an AuthnRequest is how node-saml learns which InResponseTo values are outstanding.
  await serviceProvider.getAuthorizeUrlAsync('', undefined, {});
  return serviceProvider;
}

describe('SAML 2.0 Response with a signed assertion', () => {
  let key: SigningMaterial;
  beforeAll(async () => {
    key = await createTestSigningMaterial();
  });

  it('has the shape Microsoft documents for login.srf', async () => {
    const input = responseInput();
    const document = new DOMParser().parseFromString(await buildSamlResponse(input, key), 'text/xml');
    const response = document.documentElement!;
    expect([response.namespaceURI, response.localName]).toEqual([protocolNamespace, 'Response']);
    expect(response.getAttribute('Destination')).toBe(loginSrf);
    expect(response.getAttribute('InResponseTo')).toBe('_request-1');
    expect(response.getAttribute('IssueInstant')).toBe(input.now.toISOString());
    expect(child(response, protocolNamespace, 'StatusCode').getAttribute('Value')).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');

    const assertion = child(response, assertionNamespace, 'Assertion');
    const children = Array.from(assertion.childNodes).map((node) => (node as Element).localName);
    expect(children).toEqual(['Issuer', 'Signature', 'Subject', 'Conditions', 'AuthnStatement', 'AttributeStatement']);
    expect(child(assertion, assertionNamespace, 'Issuer').textContent).toBe(issuer);
    const nameId = child(assertion, assertionNamespace, 'NameID');
    expect([nameId.textContent, nameId.getAttribute('Format')]).toEqual([input.immutableId, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent']);
    const confirmation = child(assertion, assertionNamespace, 'SubjectConfirmationData');
    expect(confirmation.getAttribute('InResponseTo')).toBe('_request-1');
    expect(confirmation.getAttribute('Recipient')).toBe(loginSrf);
    expect(confirmation.getAttribute('NotOnOrAfter')).toBe(new Date(input.now.getTime() + 5 * 60_000).toISOString());
    expect(child(assertion, assertionNamespace, 'Audience').textContent).toBe(audience);
    const statement = child(assertion, assertionNamespace, 'AuthnStatement');
    expect(statement.getAttribute('AuthnInstant')).toBe(input.authnInstant.toISOString());
    expect(statement.getAttribute('SessionIndex')).toBe('session-1');
    expect(child(assertion, assertionNamespace, 'AuthnContextClassRef').textContent).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
    const attributes = Object.fromEntries(Array.from(assertion.getElementsByTagNameNS(assertionNamespace, 'Attribute'))
      .map((attribute) => [attribute.getAttribute('Name'), attribute.textContent]));
    expect(attributes).toEqual({
      IDPEmail: 'alice@contoso.com',
      'http://schemas.xmlsoap.org/claims/UPN': 'alice@contoso.com',
      'http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID': input.immutableId,
    });
  });

  it('uses the multipleauthn context class only after MFA, and leaves InResponseTo out when unsolicited', async () => {
    const document = new DOMParser().parseFromString(await buildSamlResponse(responseInput({ mfa: true, inResponseTo: undefined }), key), 'text/xml');
    expect(child(document.documentElement!, assertionNamespace, 'AuthnContextClassRef').textContent).toBe('http://schemas.microsoft.com/claims/multipleauthn');
    expect(document.documentElement!.hasAttribute('InResponseTo')).toBe(false);
    expect(child(document.documentElement!, assertionNamespace, 'SubjectConfirmationData').hasAttribute('InResponseTo')).toBe(false);
  });

  describe('xmlsec1', () => {
    it('verifies the assertion signature, and the Response signature when requested', async () => {
      const assertionOnly = await verifyWithXmlsec1(await buildSamlResponse(responseInput(), key), key.certificateDer, xmlsecIdAttributes.saml2Assertion);
      expect(assertionOnly.verified).toBe(true);
      const both = await buildSamlResponse(responseInput({ signResponse: true }), key);
      const response = await verifyWithXmlsec1(both, key.certificateDer, xmlsecIdAttributes.saml2Response,
        "/*[local-name()='Response']/*[local-name()='Signature']");
      expect(response.verified).toBe(true);
      const assertion = await verifyWithXmlsec1(both, key.certificateDer, xmlsecIdAttributes.saml2Assertion,
        "//*[local-name()='Assertion']/*[local-name()='Signature']");
      expect(assertion.verified).toBe(true);
    });

    it('rejects a tampered NameID', async () => {
      const tampered = (await buildSamlResponse(responseInput(), key)).replace('>U1Tz+0GabkWF7mmSkcIt7A==<', '>someone-else<');
      expect((await verifyWithXmlsec1(tampered, key.certificateDer, xmlsecIdAttributes.saml2Assertion)).verified).toBe(false);
    });
  });

  describe('@node-saml/node-saml as service provider', () => {
    it('accepts the Response and returns NameID, IDPEmail and the MFA context', async () => {
      const serviceProvider = await nodeSamlServiceProvider(key.certificateDer, '_node-saml-1');
      const xml = await buildSamlResponse(responseInput({ inResponseTo: '_node-saml-1', mfa: true }), key);
      const { profile } = await serviceProvider.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') });
      expect(profile?.nameID).toBe('U1Tz+0GabkWF7mmSkcIt7A==');
      expect(profile?.nameIDFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
      expect(profile?.issuer).toBe(issuer);
      expect(profile?.IDPEmail).toBe('alice@contoso.com');
      expect(profile?.getAssertionXml?.()).toContain('http://schemas.microsoft.com/claims/multipleauthn');
    });

    it('rejects a tampered copy, a Response signed by another key and an unknown InResponseTo', async () => {
      const other = await createTestSigningMaterial();
      const cases: Array<[string, RegExp]> = [
        [(await buildSamlResponse(responseInput({ inResponseTo: '_node-saml-2' }), key)).replace('>alice@contoso.com<', '>mallory@contoso.com<'), /signature/i],
        [await buildSamlResponse(responseInput({ inResponseTo: '_node-saml-2' }), other), /signature/i],
        [await buildSamlResponse(responseInput({ inResponseTo: '_never-requested' }), key), /InResponseTo/],
      ];
      for (const [xml, reason] of cases) {
        const serviceProvider = await nodeSamlServiceProvider(key.certificateDer, '_node-saml-2');
        await expect(serviceProvider.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString('base64') })).rejects.toThrow(reason);
      }
    });
  });

  describe('pysaml2 as service provider', () => {
    const metadata = (certificateBase64: string) => identityProviderMetadata(issuer, certificateBase64, 'https://idp.example.com/federation/contoso.com/saml2');

    it('accepts the Response and returns NameID and IDPEmail', async () => {
      const result = await validateWithPysaml2(await buildSamlResponse(responseInput({ mfa: true }), key), metadata(key.certificateBase64), loginSrf, '_request-1');
      expect(result.error).toBeUndefined();
      expect(result.accepted).toBe(true);
      expect(result.nameId).toBe('U1Tz+0GabkWF7mmSkcIt7A==');
      expect(result.issuer).toBe(issuer);
      expect(result.attributes?.IDPEmail).toEqual(['alice@contoso.com']);
      expect(result.authnContext?.[0]).toContain('http://schemas.microsoft.com/claims/multipleauthn');
    });

    it('rejects a tampered copy and a Response signed by another key', async () => {
      const other = await createTestSigningMaterial();
      const tampered = (await buildSamlResponse(responseInput(), key)).replace('>alice@contoso.com<', '>mallory@contoso.com<');
      const tamperedResult = await validateWithPysaml2(tampered, metadata(key.certificateBase64), loginSrf, '_request-1');
      expect([tamperedResult.accepted, tamperedResult.error]).toEqual([false, expect.stringContaining('Signature')]);
      const wrongKey = await validateWithPysaml2(await buildSamlResponse(responseInput(), other), metadata(key.certificateBase64), loginSrf, '_request-1');
      expect(wrongKey.accepted).toBe(false);
    });
  });
});
