import { DOMParser } from '@xmldom/xmldom';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SigningMaterial } from '../../../idp/keys/signing-material.ts';
import { buildSamlLogoutResponse } from '../../../idp/tokens/saml2-logout-response.ts';
import { verifyWithXmlsec1, xmlsecIdAttributes } from '../../peers/xmlsec1.ts';
import { createTestSigningMaterial, loginSrf } from './signing-fixture.ts';

describe('SAML LogoutResponse', () => {
  let key: SigningMaterial;
  beforeAll(async () => {
    key = await createTestSigningMaterial();
  });

  it('answers the request with status Success, signed after Issuer, and xmlsec1 verifies it', async () => {
    const now = new Date();
    const xml = await buildSamlLogoutResponse({ issuer: 'https://idp.example.com/federation/contoso.com', inResponseTo: '_logout-1', destination: loginSrf, now }, key);
    const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    expect([root.localName, root.getAttribute('InResponseTo'), root.getAttribute('Destination'), root.getAttribute('IssueInstant')])
      .toEqual(['LogoutResponse', '_logout-1', loginSrf, now.toISOString()]);
    expect(Array.from(root.childNodes).map((node) => (node as { localName?: string }).localName)).toEqual(['Issuer', 'Signature', 'Status']);
    expect(xml).toContain('<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success">');
    expect((await verifyWithXmlsec1(xml, key.certificateDer, xmlsecIdAttributes.saml2LogoutResponse)).verified).toBe(true);
    expect((await verifyWithXmlsec1(xml.replace('_logout-1', '_logout-2'), key.certificateDer, xmlsecIdAttributes.saml2LogoutResponse)).verified).toBe(false);
  });
});
