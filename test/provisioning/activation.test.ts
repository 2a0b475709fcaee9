import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByUpn, updateUser } from '../../core/db/users.ts';
import { addUser } from '../../idp/accounts/users.ts';
import { issueActivationLink } from '../../provisioning/activation/activation-links.ts';
import { dialects } from '../harness/databases.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, testPassword, totpCode } from '../harness/seed.ts';

/**
 * Activation of an imported (pending) account through its link: password and a proven
 * authenticator in one form. The link is stored only as a hash, works once, and a wrong code
 * leaves the account pending.
 */
describe.each(dialects)('activation link on %s', (dialect) => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard(dialect);
    await seedOrganization(lanyard.context, { slug: 'northwind' });
  });
  afterAll(async () => {
    await lanyard.stop();
  });

  async function pendingAccount(upn: string) {
    const user = await addUser(lanyard.context.db, { upn }, { actor: 'test', passwordHashCost: 10 });
    await updateUser(lanyard.context.db, user.id, { status: 'pending' });
    return issueActivationLink(lanyard.context.db, lanyard.url, { ...user, status: 'pending' }, 'test');
  }

  const post = (url: string, fields: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields), redirect: 'manual' });

  it('sets the password and TOTP, activates the account, and works only once', async () => {
    const link = await pendingAccount('ada@northwind.com');
    const token = link.url.split('/').at(-1)!;
    const stored = await lanyard.context.db.selectFrom('activationTokens').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);

    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    const secret = /id="secret">([A-Z2-7]+)</.exec(html)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;

    const wrong = await post(link.url, { csrf, password: testPassword, confirm: testPassword, code: '000000' });
    expect(wrong.status).toBe(400);
    expect((await findUserByUpn(lanyard.context.db, 'ada@northwind.com'))?.status).toBe('pending');

    const done = await post(link.url, { csrf, password: testPassword, confirm: testPassword, code: await totpCode(secret) });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('id="activated"');
    const user = await findUserByUpn(lanyard.context.db, 'ada@northwind.com');
    expect(user?.status).toBe('active');
    expect(user?.passwordHash).toBeTruthy();

    expect((await fetch(link.url)).status).toBe(400);
  });

  it('refuses a forged form and an unknown link', async () => {
    const link = await pendingAccount('bea@northwind.com');
    const forged = await post(link.url, { csrf: 'x', password: testPassword, confirm: testPassword, code: '123456' });
    expect(forged.status).toBe(403);
    expect((await fetch(`${lanyard.url}/activate/${'A'.repeat(43)}`)).status).toBe(400);
  });
});
