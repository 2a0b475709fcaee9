import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeDomainSettings } from '../../idp/accounts/domains.ts';
import { readAuthnRequestFromPost, readAuthnRequestFromRedirect, type AuthnRequestPolicy } from '../../idp/saml2/authn-request.ts';
import { readLogoutRequest } from '../../idp/saml2/logout-request.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, seedUser, testPassword, totpCode } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';
import { authnRequestXml, createEntraKey, endpointUrl, loginSrf, logoutRequestXml, postValue, redirectQuery, type EntraKey } from '../fixtures/saml-requests.ts';
import { expectLanyardCode } from './expect-code.ts';

/**
 * Threat: parameter pollution of a signed HTTP-Redirect request. The attacker takes a validly
 * signed sign-in URL and appends `&Relay%53tate=<markup>`: a signature check that compares raw
 * names skips it, while a second, decoding reader of the same query hands it to the form posted
 * to login.srf. The same trick with a second SAMLRequest, SigAlg or a SAMLResponse makes the
 * verifier and the reader look at different copies.
 * Invariant: the query is parsed once with decoded names; any repeated parameter is a 400
 * (REQUEST_DUPLICATE_FIELD) whether or not the request is signed; every binding parameter that is
 * present is one the signature covers (an extra RelayState breaks it: SAML_SIGNATURE_INVALID; a
 * SAMLResponse next to a SAMLRequest is refused); the RelayState echoed is the verified one, HTML-
 * escaped in the form, and bounded in bytes. WS-Fed parameters, too, are never first/last-wins.
 * Why this way: the readers are attacked directly (what they return is the contract), and the
 * endpoint over real HTTP, because the bug lived in the handler reading the query a second time.
 */
describe('HTTP-Redirect query pollution', () => {
  let entra: EntraKey;
  let policy: AuthnRequestPolicy;
  const markup = '"><script>alert(1)</script>';
  beforeAll(async () => {
    entra = await createEntraKey();
    policy = { endpointUrl, assertionConsumerServiceUrl: loginSrf, requireSignature: false, trustedCertificates: [entra.certificateDer], now: new Date() };
  });

  it('refuses a RelayState the query signature does not cover, however its name is spelled', () => {
    const signed = redirectQuery(authnRequestXml(), { key: entra });
    expect(readAuthnRequestFromRedirect(signed, policy).signed).toBe(true);
    for (const name of ['RelayState', 'Relay%53tate', '%52elayState']) {
      expectLanyardCode(() => readAuthnRequestFromRedirect(`${signed}&${name}=${encodeURIComponent(markup)}`, policy), 'SAML_SIGNATURE_INVALID');
    }
    const signedLogout = redirectQuery(logoutRequestXml(), { key: entra });
    expectLanyardCode(() => readLogoutRequest({ binding: 'redirect', rawQuery: `${signedLogout}&Relay%53tate=x` }, policy), 'SAML_SIGNATURE_INVALID');
  });

  it.each([
    ['RelayState', 'Relay%53tate=evil'],
    ['SAMLRequest', `SAML%52equest=${encodeURIComponent(postValue('<x/>'))}`],
    ['SigAlg', 'Sig%41lg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1'],
    ['Signature', 'Signatur%65=AAAA'],
  ])('refuses a second %s in a signed query', (_name, extra) => {
    const signed = redirectQuery(authnRequestXml(), { relayState: 'good', key: entra });
    expectLanyardCode(() => readAuthnRequestFromRedirect(`${signed}&${extra}`, policy), 'REQUEST_DUPLICATE_FIELD');
  });

  it('refuses duplicates in an unsigned query too, and a SAMLResponse next to the SAMLRequest', () => {
    const unsigned = redirectQuery(authnRequestXml(), { relayState: 'good' });
    expect(readAuthnRequestFromRedirect(unsigned, policy).relayState).toBe('good');
    expectLanyardCode(() => readAuthnRequestFromRedirect(`${unsigned}&Relay%53tate=evil`, policy), 'REQUEST_DUPLICATE_FIELD');
    expectLanyardCode(() => readAuthnRequestFromRedirect(`${unsigned}&${unsigned}`, policy), 'REQUEST_DUPLICATE_FIELD');
    expectLanyardCode(() => readAuthnRequestFromRedirect(`${unsigned}&SAMLResponse=AAAA`, policy), 'SAML_REQUEST_MALFORMED');
  });

  it('returns the signed RelayState, decoded, and bounds RelayState in bytes on both bindings', () => {
    const signed = redirectQuery(authnRequestXml(), { relayState: markup, key: entra });
    expect(readAuthnRequestFromRedirect(signed, policy).relayState).toBe(markup);
    // Multi-byte text: 3,000 characters are 9,000 UTF-8 bytes, over the 8 KiB bound.
    const large = '€'.repeat(3000);
    expectLanyardCode(() => readAuthnRequestFromRedirect(redirectQuery(authnRequestXml(), { relayState: large }), policy), 'SAML_RELAYSTATE_TOO_LARGE');
    expectLanyardCode(() => readAuthnRequestFromPost(postValue(authnRequestXml()), policy, large), 'SAML_RELAYSTATE_TOO_LARGE');
    // Microsoft's SAML services send opaque state of a few KiB; that is accepted.
    expect(readAuthnRequestFromPost(postValue(authnRequestXml()), policy, 'r'.repeat(4000)).relayState).toHaveLength(4000);
  });

  describe('over HTTP', () => {
    let lanyard: RunningLanyard;
    let certificateDir: string;
    let totpSecret: string;
    beforeAll(async () => {
      certificateDir = mkdtempSync(path.join(tmpdir(), 'lanyard-entra-cert-'));
      const certificateFile = path.join(certificateDir, 'entra.pem');
      writeFileSync(certificateFile, new X509Certificate(entra.certificateDer).toString());
      lanyard = await startLanyard('sqlite', { LANYARD_MICROSOFT_REQUEST_SIGNING_CERT_FILE: certificateFile });
      await seedOrganization(lanyard.context);
      await changeDomainSettings(lanyard.context.db, 'contoso.com', { protocol: 'saml', requireSignedRequests: true }, 'test');
      await seedOrganization(lanyard.context, { slug: 'fabrikam' });
      totpSecret = (await seedUser(lanyard.context, 'alice@contoso.com')).totpSecret!;
    });
    afterAll(async () => {
      await lanyard.stop();
      rmSync(certificateDir, { recursive: true, force: true });
    });

    it('refuses a validly signed sign-in URL with an appended Relay%53tate before any sign-in starts', async () => {
      const signed = redirectQuery(authnRequestXml({ issueInstant: new Date() }), { key: entra });
      const response = await new BrowserClient().request(`${lanyard.url}/federation/contoso.com/saml2?${signed}&Relay%53tate=${encodeURIComponent(markup)}`);
      expect(response.status).toBe(400);
      const body = await response.text();
      expect(body).toContain('SAML_SIGNATURE_INVALID');
      expect(body).not.toContain('<script>alert(1)');
    });

    it('echoes the signed RelayState to login.srf, HTML-escaped in the form', async () => {
      const browser = new BrowserClient();
      const signed = redirectQuery(authnRequestXml({ issueInstant: new Date() }), { relayState: markup, key: entra });
      const first = await browser.follow(`${lanyard.url}/federation/contoso.com/saml2?${signed}`);
      const login = readForm(first.html);
      const totpPage = await browser.follow(new URL(login.action, first.url).toString(), { form: { ...login.fields, username: 'alice@contoso.com', password: testPassword } });
      const totp = readForm(totpPage.html);
      const done = await browser.follow(new URL(totp.action, totpPage.url).toString(), { form: { ...totp.fields, code: await totpCode(totpSecret) } });
      const form = readForm(done.html);
      expect(form.action).toBe(loginSrf);
      expect(form.fields.RelayState).toBe(markup);
      expect(done.html).not.toContain('<script>alert(1)');
    });

    it.each([
      ['wreply', `w%72eply=${encodeURIComponent('https://attacker.example/collect')}`],
      ['wctx', 'wct%78=other'],
      ['wa', 'w%61=wsignout1.0'],
      ['wtrealm', 'wtrealm=https%3A%2F%2Fattacker.example%2F'],
    ])('refuses a repeated WS-Fed %s, however its name is spelled', async (_name, extra) => {
      const url = `${wsFedSignInUrl(lanyard.url, 'fabrikam.com', { wreply: loginSrf })}&${extra}`;
      const response = await new BrowserClient().request(url);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('REQUEST_DUPLICATE_FIELD');
    });
  });
});
