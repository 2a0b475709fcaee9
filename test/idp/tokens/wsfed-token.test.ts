import { createHash } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { beforeAll, describe, expect, it } from 'vitest';
import { isLanyardError } from '../../../core/errors.ts';
import type { SigningMaterial } from '../../../idp/keys/signing-material.ts';
import { buildWsFedResult, type WsFedTokenInput } from '../../../idp/tokens/wsfed-token.ts';
import { validateWsFedResult } from '../../peers/wsfed-relying-party.ts';
import { verifyWithXmlsec1, xmlsecIdAttributes } from '../../peers/xmlsec1.ts';
import { createTestSigningMaterial } from './signing-fixture.ts';

const samlNamespace = 'urn:oasis:names:tc:SAML:1.0:assertion';
const trustNamespace = 'http://schemas.xmlsoap.org/ws/2005/02/trust';
const realm = 'urn:federation:MicrosoftOnline';

function tokenInput(overrides: Partial<WsFedTokenInput> = {}): WsFedTokenInput {
  return {
    issuer: 'https://idp.example.com/federation/contoso.com',
    immutableId: 'JLX2E74/mk2m9Jf30wGM3Q==',
    upn: 'alice@contoso.com',
    authnInstant: new Date(Date.now() - 30_000),
    mfa: false,
    now: new Date(),
    lifetimeMinutes: 60,
    ...overrides,
  };
}

function assertionOf(wresult: string): Element {
  const document = new DOMParser().parseFromString(wresult, 'text/xml');
  return document.getElementsByTagNameNS(samlNamespace, 'Assertion')[0]!;
}

function attributes(assertion: Element): Record<string, string> {
  const result: Record<string, string> = {};
  for (const attribute of Array.from(assertion.getElementsByTagNameNS(samlNamespace, 'Attribute'))) {
    result[`${attribute.getAttribute('AttributeNamespace')}/${attribute.getAttribute('AttributeName')}`] = attribute.textContent!;
  }
  return result;
}

describe('WS-Fed result (RSTR with a signed SAML 1.1 assertion)', () => {
  let key: SigningMaterial;
  beforeAll(async () => {
    key = await createTestSigningMaterial();
  });

  it('has the RSTR envelope AD FS sends to login.srf', async () => {
    const input = tokenInput();
    const document = new DOMParser().parseFromString(await buildWsFedResult(input, key), 'text/xml');
    const root = document.documentElement!;
    expect([root.namespaceURI, root.localName]).toEqual([trustNamespace, 'RequestSecurityTokenResponse']);
    const text = (name: string) => root.getElementsByTagNameNS(trustNamespace, name)[0]?.textContent;
    expect(text('TokenType')).toBe('urn:oasis:names:tc:SAML:1.0:assertion');
    expect(text('RequestType')).toBe('http://schemas.xmlsoap.org/ws/2005/02/trust/Issue');
    expect(text('KeyType')).toBe('http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey');
    expect(root.getElementsByTagNameNS('http://www.w3.org/2005/08/addressing', 'Address')[0]!.textContent).toBe(realm);
    const lifetime = root.getElementsByTagNameNS(trustNamespace, 'Lifetime')[0]!;
    expect(lifetime.textContent).toBe(`${input.now.toISOString()}${new Date(input.now.getTime() + 3_600_000).toISOString()}`);
  });

  it('carries the exact issuer, the immutable ID as subject and attribute, the UPN, audience and times', async () => {
    const input = tokenInput({ issuer: 'http://contoso.com/adfs/services/trust/' });
    const assertion = assertionOf(await buildWsFedResult(input, key));
    expect(assertion.getAttribute('Issuer')).toBe('http://contoso.com/adfs/services/trust/');
    expect(assertion.getAttribute('AssertionID')).toMatch(/^_[0-9a-f]{40}$/);
    expect([assertion.getAttribute('MajorVersion'), assertion.getAttribute('MinorVersion')]).toEqual(['1', '1']);
    const conditions = assertion.getElementsByTagNameNS(samlNamespace, 'Conditions')[0]!;
    expect(conditions.getAttribute('NotBefore')).toBe(new Date(input.now.getTime() - 5 * 60_000).toISOString());
    expect(conditions.getAttribute('NotOnOrAfter')).toBe(new Date(input.now.getTime() + 60 * 60_000).toISOString());
    expect(assertion.getElementsByTagNameNS(samlNamespace, 'Audience')[0]!.textContent).toBe(realm);
    for (const nameIdentifier of Array.from(assertion.getElementsByTagNameNS(samlNamespace, 'NameIdentifier'))) {
      expect(nameIdentifier.textContent).toBe(input.immutableId);
      expect(nameIdentifier.getAttribute('Format')).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified');
    }
    expect(assertion.getElementsByTagNameNS(samlNamespace, 'ConfirmationMethod')[0]!.textContent).toBe('urn:oasis:names:tc:SAML:1.0:cm:bearer');
    expect(attributes(assertion)).toEqual({
      'http://schemas.xmlsoap.org/claims/UPN': 'alice@contoso.com',
      'http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID': input.immutableId,
      'http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationinstant': input.authnInstant.toISOString(),
    });
    const statement = assertion.getElementsByTagNameNS(samlNamespace, 'AuthenticationStatement')[0]!;
    expect(statement.getAttribute('AuthenticationMethod')).toBe('urn:oasis:names:tc:SAML:1.0:am:password');
    expect(statement.getAttribute('AuthenticationInstant')).toBe(input.authnInstant.toISOString());
    expect((assertion.lastChild as Element).localName).toBe('Signature');
  });

  it('states MFA (claim and authentication method) only when a second factor happened', async () => {
    const assertion = assertionOf(await buildWsFedResult(tokenInput({ mfa: true }), key));
    expect(attributes(assertion)['http://schemas.microsoft.com/claims/authnmethodsreferences']).toBe('http://schemas.microsoft.com/claims/multipleauthn');
    expect(assertion.getElementsByTagNameNS(samlNamespace, 'AuthenticationStatement')[0]!.getAttribute('AuthenticationMethod'))
      .toBe('http://schemas.microsoft.com/claims/multipleauthn');
  });

  it('gives every token a fresh AssertionID', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => buildWsFedResult(tokenInput(), key)));
    const ids = new Set(results.map((wresult) => assertionOf(wresult).getAttribute('AssertionID')));
    expect(ids.size).toBe(20);
  });

  it('refuses an empty issuer or immutable ID and a non-positive lifetime', async () => {
    for (const bad of [{ issuer: '' }, { immutableId: ' ' }, { lifetimeMinutes: 0 }, { now: new Date(Number.NaN) }]) {
      let caught: unknown;
      try {
        await buildWsFedResult(tokenInput(bad), key);
      } catch (error) {
        caught = error;
      }
      expect(isLanyardError(caught, 'TOKEN_INPUT_INVALID')).toBe(true);
    }
  });

  describe('xmlsec1', () => {
    it('verifies the assertion signature against our certificate', async () => {
      const result = await verifyWithXmlsec1(await buildWsFedResult(tokenInput({ mfa: true }), key), key.certificateDer, xmlsecIdAttributes.saml11Assertion);
      expect(result.output).toContain('OK');
      expect(result.verified).toBe(true);
    });

    it('rejects a copy whose UPN was changed after signing', async () => {
      const tampered = (await buildWsFedResult(tokenInput(), key)).replace('>alice@contoso.com<', '>mallory@contoso.com<');
      const result = await verifyWithXmlsec1(tampered, key.certificateDer, xmlsecIdAttributes.saml11Assertion);
      expect(result.verified).toBe(false);
    });

    it('rejects the token when verified with another certificate', async () => {
      const other = await createTestSigningMaterial();
      const result = await verifyWithXmlsec1(await buildWsFedResult(tokenInput(), key), other.certificateDer, xmlsecIdAttributes.saml11Assertion);
      expect(result.verified).toBe(false);
    });
  });

  describe('passport-wsfed-saml2 (WS-Fed relying party)', () => {
    it('accepts the result pinned by certificate and returns the claims', async () => {
      const input = tokenInput({ mfa: true });
      const profile = await validateWsFedResult(await buildWsFedResult(input, key), { realm, certificateBase64: key.certificateBase64 });
      expect(profile.issuer).toBe(input.issuer);
      expect(profile['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier']).toBe(input.immutableId);
      expect(profile['http://schemas.xmlsoap.org/claims/UPN']).toBe(input.upn);
      expect(profile['http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID']).toBe(input.immutableId);
      expect(profile['http://schemas.microsoft.com/claims/authnmethodsreferences']).toBe('http://schemas.microsoft.com/claims/multipleauthn');
    });

    it('accepts the result pinned by SHA-1 thumbprint', async () => {
      const thumbprint = createHash('sha1').update(key.certificateDer).digest('hex');
      const profile = await validateWsFedResult(await buildWsFedResult(tokenInput(), key), { realm, thumbprints: [thumbprint] });
      expect(profile['http://schemas.xmlsoap.org/claims/UPN']).toBe('alice@contoso.com');
    });

    it('rejects a tampered copy, another key and another audience', async () => {
      const wresult = await buildWsFedResult(tokenInput(), key);
      const other = await createTestSigningMaterial();
      await expect(validateWsFedResult(wresult.replace('>alice@contoso.com<', '>mallory@contoso.com<'), { realm, certificateBase64: key.certificateBase64 }))
        .rejects.toThrow(/invalid signature/);
      await expect(validateWsFedResult(wresult, { realm, certificateBase64: other.certificateBase64 })).rejects.toThrow(/invalid signature/);
      await expect(validateWsFedResult(await buildWsFedResult(tokenInput({ audience: 'urn:other' }), key), { realm, certificateBase64: key.certificateBase64 }))
        .rejects.toThrow(/Audience is invalid/);
    });
  });
});
