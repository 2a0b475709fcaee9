import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../../core/db/audit-events.ts';
import { findMfaCredential } from '../../../core/db/mfa-credentials.ts';
import { setOrganizationMfaPolicy } from '../../../idp/accounts/organizations.ts';
import { BrowserClient, readForm } from '../../harness/browser-client.ts';
import { dialects } from '../../harness/databases.ts';
import { startLanyard, type RunningLanyard } from '../../harness/lanyard.ts';
import { seedOrganization, seedUser, testPassword, totpCode } from '../../harness/seed.ts';
import { readWsFedResult } from '../../harness/token-reader.ts';
import { wsFedSignInUrl } from '../../harness/wsfed-request.ts';

/** The WS-Federation passive sign-in a person goes through, over real HTTP, on both databases. */
describe.each(dialects)('WS-Fed sign-in on %s', (dialect) => {
  let lanyard: RunningLanyard;
  let aliceSecret: string;

  beforeAll(async () => {
    lanyard = await startLanyard(dialect);
    await seedOrganization(lanyard.context);
    aliceSecret = (await seedUser(lanyard.context, 'alice@contoso.com')).totpSecret!;
  });
  afterAll(async () => lanyard.stop());

  async function passwordStep(browser: BrowserClient, url: string, username: string, password = testPassword) {
    const loginPage = await browser.follow(url);
    expect(loginPage.response.status).toBe(200);
    const form = readForm(loginPage.html);
    return browser.follow(new URL(form.action, loginPage.url).toString(), { form: { ...form.fields, username, password } });
  }

  async function totpStep(browser: BrowserClient, page: { url: string; html: string }, code: string) {
    const form = readForm(page.html);
    return browser.follow(new URL(form.action, page.url).toString(), { form: { ...form.fields, code } });
  }

  it('signs alice in with password and TOTP and posts a token with the MFA claim to login.srf', async () => {
    const browser = new BrowserClient();
    const start = wsFedSignInUrl(lanyard.url, 'contoso.com', { username: 'alice@contoso.com' });
    const loginPage = await browser.follow(start);
    expect(loginPage.html).toContain('value="alice@contoso.com"');
    expect(loginPage.response.headers.get('content-security-policy')).toContain("default-src 'none'");

    const totpPage = await passwordStep(browser, start, 'alice@contoso.com');
    expect(totpPage.html).toContain('Enter your code');
    const done = await totpStep(browser, totpPage, await totpCode(aliceSecret));
    const form = readForm(done.html);
    expect(form.action).toBe('https://login.microsoftonline.com/login.srf');
    expect(form.fields.wa).toBe('wsignin1.0');
    expect(form.fields.wctx).toBe(new URL(start).searchParams.get('wctx'));
    const claims = readWsFedResult(form.fields.wresult!);
    const user = await lanyard.context.db.selectFrom('users').selectAll().where('upn', '=', 'alice@contoso.com').executeTakeFirstOrThrow();
    expect(claims).toMatchObject({
      issuer: `${lanyard.url}/federation/contoso.com`,
      nameId: user.immutableId,
      immutableId: user.immutableId,
      upn: 'alice@contoso.com',
      audience: 'urn:federation:MicrosoftOnline',
      mfa: true,
    });

    // Single sign-on: the next request is answered from the session, MFA included.
    const again = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    expect(readWsFedResult(readForm(again.html).fields.wresult!).mfa).toBe(true);

    // wfresh=0 (prompt=login) asks for the password again despite the session.
    const fresh = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com', { wfresh: '0' }));
    expect(fresh.html).toContain('type="password"');

    // wauth=multipleauthn forces a TOTP step in this sign-in even though the session had one.
    const forced = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com', { wauth: 'http://schemas.microsoft.com/claims/multipleauthn' }));
    expect(forced.html).toContain('Enter your code');

    const events = await listAuditEvents(lanyard.context.db, { actionPrefix: 'signin.' });
    expect(events.map((event) => event.action)).toEqual(expect.arrayContaining(['signin.password', 'signin.totp', 'signin.token']));
  });

  it('refuses a replayed TOTP code and a wrong one, with the reason shown', async () => {
    const { totpSecret } = await seedUser(lanyard.context, 'replay@contoso.com');
    const code = await totpCode(totpSecret!);
    const first = new BrowserClient();
    const firstTotp = await passwordStep(first, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'replay@contoso.com');
    expect(readForm((await totpStep(first, firstTotp, code)).html).action).toContain('login.srf');

    const second = new BrowserClient();
    const secondTotp = await passwordStep(second, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'replay@contoso.com');
    const replayed = await totpStep(second, secondTotp, code);
    expect(replayed.response.status).toBe(400);
    expect(replayed.html).toContain('already used');
    const wrong = await totpStep(second, replayed, code === '000000' ? '111111' : '000000');
    expect(wrong.html).toContain('not right');
  });

  it('enrols a user without an authenticator at first sign-in, then asks for codes', async () => {
    await seedUser(lanyard.context, 'newbie@contoso.com', { enrolled: false });
    const browser = new BrowserClient();
    const enrolPage = await passwordStep(browser, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'newbie@contoso.com');
    expect(enrolPage.html).toContain('<svg');
    const secret = /<p class="secret" id="secret">([A-Z2-7]+)<\/p>/.exec(enrolPage.html)![1]!;
    // A mistyped first code keeps the same secret on the page (no second scan).
    const retry = await totpStep(browser, enrolPage, '000000');
    expect(retry.html).toContain(secret);
    const done = await totpStep(browser, retry, await totpCode(secret));
    expect(readWsFedResult(readForm(done.html).fields.wresult!).mfa).toBe(true);
    const user = await lanyard.context.db.selectFrom('users').select('id').where('upn', '=', 'newbie@contoso.com').executeTakeFirstOrThrow();
    expect((await findMfaCredential(lanyard.context.db, user.id))?.confirmedAt).toBeTruthy();
  });

  it('issues a token without the MFA claim when the policy is optional and the user has no authenticator', async () => {
    await seedOrganization(lanyard.context, { slug: 'fabrikam', mfaPolicy: 'optional' });
    await seedUser(lanyard.context, 'bob@fabrikam.com', { enrolled: false });
    const browser = new BrowserClient();
    const done = await passwordStep(browser, wsFedSignInUrl(lanyard.url, 'fabrikam.com'), 'bob@fabrikam.com');
    const claims = readWsFedResult(readForm(done.html).fields.wresult!);
    expect(claims.mfa).toBe(false);
    expect(claims.issuer).toBe(`${lanyard.url}/federation/fabrikam.com`);
    // Microsoft asking for MFA (enforceMfaByFederatedIdp) makes the second factor mandatory.
    const forced = await browser.follow(wsFedSignInUrl(lanyard.url, 'fabrikam.com', { wauth: 'http://schemas.microsoft.com/claims/multipleauthn' }));
    expect(forced.html).toContain('Set up two-step sign-in');
    await setOrganizationMfaPolicy(lanyard.context.db, 'fabrikam', 'required', 'test');
  });

  it('does not reveal whether an account exists, and never signs in a user of another organization', async () => {
    const browser = new BrowserClient();
    const unknown = await passwordStep(browser, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'nobody@contoso.com');
    const wrong = await passwordStep(browser, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'alice@contoso.com', 'wrong password!!');
    const foreign = await passwordStep(browser, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'bob@fabrikam.com');
    for (const page of [unknown, wrong, foreign]) {
      expect(page.response.status).toBe(401);
      expect(page.html).toContain('The user name or password is incorrect.');
    }
  });

  it('ends the sessions of a disabled user and refuses their sign-in', async () => {
    const { totpSecret } = await seedUser(lanyard.context, 'leaver@contoso.com');
    const browser = new BrowserClient();
    const totpPage = await passwordStep(browser, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'leaver@contoso.com');
    await totpStep(browser, totpPage, await totpCode(totpSecret!));
    const { setUserEnabled } = await import('../../../idp/accounts/users.ts');
    await setUserEnabled(lanyard.context.db, 'leaver@contoso.com', false, 'test');
    const afterDisable = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    expect(afterDisable.html).toContain('type="password"');
    const refused = await passwordStep(browser, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'leaver@contoso.com');
    expect(refused.response.status).toBe(403);
    expect(refused.html).toContain('USER_DISABLED');
  });

  it('signs out with wa=wsignout1.0', async () => {
    const browser = new BrowserClient();
    const totpPage = await passwordStep(browser, wsFedSignInUrl(lanyard.url, 'contoso.com'), 'alice@contoso.com');
    await totpStep(browser, totpPage, await totpCode(aliceSecret, new Date(Date.now() + 30_000)));
    const signedOut = await browser.follow(`${lanyard.url}/federation/contoso.com/wsfed?wa=wsignout1.0`);
    expect(signedOut.html).toContain('wsignoutcleanup1.0');
    const next = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    expect(next.html).toContain('type="password"');
  });
});
