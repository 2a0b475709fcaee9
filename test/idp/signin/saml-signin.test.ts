import { idpDeps } from '../../../idp/module.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeDomainSettings } from '../../../idp/accounts/domains.ts';
import { BrowserClient, readForm } from '../../harness/browser-client.ts';
import { dialects } from '../../harness/databases.ts';
import { startLanyard, type RunningLanyard } from '../../harness/lanyard.ts';
import { entraAuthnRequest, redirectQuery } from '../../harness/saml-request.ts';
import { seedOrganization, seedUser, testPassword, totpCode } from '../../harness/seed.ts';
import { readSamlResponse } from '../../harness/token-reader.ts';
import { verifyWithXmlsec1, xmlsecIdAttributes } from '../../peers/xmlsec1.ts';

/** SAML 2.0 sign-in as Entra drives it (HTTP-POST AuthnRequest), over real HTTP, on both databases. */
describe.each(dialects)('SAML 2.0 sign-in on %s', (dialect) => {
  let lanyard: RunningLanyard;
  let secret: string;
  const loginSrf = 'https://login.microsoftonline.com/login.srf';

  beforeAll(async () => {
    lanyard = await startLanyard(dialect);
    await seedOrganization(lanyard.context);
    await changeDomainSettings(lanyard.context.db, 'contoso.com', { protocol: 'saml' }, 'test');
    secret = (await seedUser(lanyard.context, 'alice@contoso.com')).totpSecret!;
  });
  afterAll(async () => lanyard.stop());

  async function signIn(browser: BrowserClient, first: { url: string; html: string }, step: number) {
    const login = readForm(first.html);
    const totpPage = await browser.follow(new URL(login.action, first.url).toString(), { form: { ...login.fields, username: 'alice@contoso.com', password: testPassword } });
    const totp = readForm(totpPage.html);
    return browser.follow(new URL(totp.action, totpPage.url).toString(), { form: { ...totp.fields, code: await totpCode(secret, new Date(Date.now() + step * 30_000)) } });
  }

  it('answers an HTTP-POST AuthnRequest with a signed Response that xmlsec1 verifies', async () => {
    const browser = new BrowserClient();
    const request = entraAuthnRequest();
    const first = await browser.follow(`${lanyard.url}/federation/contoso.com/saml2`, {
      form: { SAMLRequest: Buffer.from(request.xml).toString('base64'), RelayState: 'relay-state-from-entra' },
    });
    const done = await signIn(browser, first, -1);
    const form = readForm(done.html);
    expect(form.action).toBe(loginSrf);
    expect(form.fields.RelayState).toBe('relay-state-from-entra');
    const user = await lanyard.context.db.selectFrom('users').selectAll().where('upn', '=', 'alice@contoso.com').executeTakeFirstOrThrow();
    expect(readSamlResponse(form.fields.SAMLResponse!)).toMatchObject({
      issuer: `${lanyard.url}/federation/contoso.com`,
      nameId: user.immutableId,
      upn: 'alice@contoso.com',
      audience: 'urn:federation:MicrosoftOnline',
      inResponseTo: request.id,
      destination: loginSrf,
      mfa: true,
    });
    const key = await idpDeps(lanyard.server.host).keys.current();
    const xml = Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8');
    expect((await verifyWithXmlsec1(xml, key.certificateDer, xmlsecIdAttributes.saml2Assertion)).verified).toBe(true);
  });

  it('accepts the HTTP-Redirect binding and reuses the SSO session; ForceAuthn asks for the password again', async () => {
    const browser = new BrowserClient();
    const first = await browser.follow(`${lanyard.url}/federation/contoso.com/saml2`, { form: { SAMLRequest: Buffer.from(entraAuthnRequest().xml).toString('base64') } });
    await signIn(browser, first, 0);
    const request = entraAuthnRequest();
    const sso = await browser.follow(`${lanyard.url}/federation/contoso.com/saml2?${redirectQuery(request.xml, 'rs')}`);
    const claims = readSamlResponse(readForm(sso.html).fields.SAMLResponse!);
    expect(claims.inResponseTo).toBe(request.id);
    expect(claims.mfa).toBe(true);
    const forced = await browser.follow(`${lanyard.url}/federation/contoso.com/saml2?${redirectQuery(entraAuthnRequest({ forceAuthn: true }).xml)}`);
    expect(forced.html).toContain('type="password"');
    const mfa = await browser.follow(`${lanyard.url}/federation/contoso.com/saml2?${redirectQuery(entraAuthnRequest({ requestMfa: true }).xml)}`);
    expect(mfa.html).toContain('Enter your code');
  });

  it('refuses unsigned requests when the domain requires signed ones, and foreign ACS URLs', async () => {
    await changeDomainSettings(lanyard.context.db, 'contoso.com', { requireSignedRequests: true }, 'test');
    const browser = new BrowserClient();
    const unsigned = await browser.request(`${lanyard.url}/federation/contoso.com/saml2`, { form: { SAMLRequest: Buffer.from(entraAuthnRequest().xml).toString('base64') } });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.text()).toContain('SAML_SIGNATURE_REQUIRED');
    await changeDomainSettings(lanyard.context.db, 'contoso.com', { requireSignedRequests: false }, 'test');
    const foreignAcs = entraAuthnRequest().xml.replace('Version="2.0"', 'Version="2.0" AssertionConsumerServiceURL="https://attacker.example/acs"');
    const refused = await browser.request(`${lanyard.url}/federation/contoso.com/saml2`, { form: { SAMLRequest: Buffer.from(foreignAcs).toString('base64') } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('SAML_ACS_MISMATCH');
  });

  it('serves federation metadata with the signing certificate and both SAML bindings', async () => {
    const response = await fetch(`${lanyard.url}/federation/contoso.com/federationmetadata.xml`);
    const xml = await response.text();
    const key = await idpDeps(lanyard.server.host).keys.current();
    expect(response.headers.get('content-type')).toContain('samlmetadata+xml');
    expect(xml).toContain(`entityID="${lanyard.url}/federation/contoso.com"`);
    expect(xml).toContain(key.certificateBase64);
    expect(xml).toContain(`Location="${lanyard.url}/federation/contoso.com/saml2"`);
  });
});
