import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../idp/accounts/users.ts';
import { issueSetupLink } from '../../portal/setup-link.ts';
import { BrowserClient, decodeEntities, readForm } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization } from '../harness/seed.ts';

/** The README's way in: `admin setup-link` for an account without a password, then the portal. */
describe('the first operator', () => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard('sqlite');
    await seedOrganization(lanyard.context, { slug: 'host' });
    await addUser(lanyard.context.db, { upn: 'admin@host.com' }, { actor: 'test', passwordHashCost: 10 });
  });
  afterAll(async () => lanyard.stop());

  it('sets a password and an authenticator through the one-time link, then signs in to the portal', async () => {
    const link = await issueSetupLink(lanyard.context, 'admin@host.com', new Date());
    expect(link).toMatchObject({ portalUrl: `${lanyard.url}/admin`, grantedOperator: true });
    const browser = new BrowserClient();
    const setup = await browser.follow(link.setupUrl!);
    const secret = decodeEntities(/id="secret">([^<]+)</.exec(setup.html)![1]!);
    const step = Math.floor(Date.now() / 30_000);
    const code = (at: number) => generate({ secret, epoch: at * 30, period: 30 });
    const form = readForm(setup.html);
    const activated = await browser.follow(new URL(form.action, setup.url).toString(), { form: { ...form.fields, password: 'a long passphrase', confirm: 'a long passphrase', code: await code(step) } });
    expect(activated.response.status).toBe(200);
    // The link works once.
    expect((await new BrowserClient().follow(link.setupUrl!)).response.status).toBe(400);

    const start = await browser.follow(link.portalUrl + '/signin');
    const password = await browser.follow(link.portalUrl + '/signin', { form: { ...readForm(start.html).fields, username: 'admin@host.com' } });
    const passwordForm = readForm(password.html);
    const totp = await browser.follow(new URL(passwordForm.action, password.url).toString(), { form: { ...passwordForm.fields, username: 'admin@host.com', password: 'a long passphrase' } });
    const totpForm = readForm(totp.html);
    const ticket = readForm((await browser.follow(new URL(totpForm.action, totp.url).toString(), { form: { ...totpForm.fields, code: await code(step + 1) } })).html);
    const portal = await browser.follow(ticket.action, { form: ticket.fields });
    expect(portal.url).toBe(`${lanyard.url}/admin`);
    expect(portal.html).toContain('host Ltd');
    expect(portal.html).toContain('Audit log (everything)');
  });
});
