import { describe, expect, it } from 'vitest';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { testPassword } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';
import { portalBrowserSuite } from './portal-browser-kit.ts';
import { people, startPortalWorld } from './portal-world.ts';

/**
 * A person's sign-in activity on their user page, from the audit log: bob signs in to Microsoft 365
 * through the real WS-Fed pages (a wrong password first), and the org-admin sees each step with its
 * outcome, failure reason, where it led and the address, newest first and paged. The JSON twin
 * answers the same; another organization's people are out of reach by URL tampering.
 */
describe('portal sign-in activity in Chromium', () => {
  const portal = portalBrowserSuite(() => startPortalWorld('sqlite'));
  const { signedInPage, screenshots, checkPage, cspViolations } = portal;

  /** Bob's WS-Fed sign-in to Microsoft 365: a wrong password, then the right one and a code, up to the token page. */
  async function bobSignsIn(): Promise<void> {
    const client = new BrowserClient();
    const start = await client.follow(wsFedSignInUrl(portal.world.url, 'contoso.com'));
    const form = readForm(start.html);
    const action = new URL(form.action, start.url).toString();
    const wrong = await client.follow(action, { form: { ...form.fields, username: people.contosoUser, password: 'not the password' } });
    expect(wrong.response.status).toBe(401);
    const retry = readForm(wrong.html);
    const totp = await client.follow(new URL(retry.action, wrong.url).toString(), { form: { ...retry.fields, username: people.contosoUser, password: testPassword } });
    const totpForm = readForm(totp.html);
    const token = await client.follow(new URL(totpForm.action, totp.url).toString(), { form: { ...totpForm.fields, code: await portal.world.code(people.contosoUser) } });
    expect(token.html).toContain('token-form');
  }

  it('org-admin: sees bob\'s sign-ins, newest first, with outcome, reason, destination and address', async () => {
    await bobSignsIn();
    const page = await signedInPage(people.orgAdmin);
    const bob = await portal.world.userId(people.contosoUser);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users/${bob}`);
    const rows = await page.locator('#sign-ins tbody tr').evaluateAll((items) => items.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent!.trim())));
    expect(rows.map((row) => [row[1], row[2], row[3]])).toEqual([
      ['Signed in (token sent)', 'success', 'Microsoft 365 (WS-Fed)'],
      ['Authenticator code', 'success', 'Microsoft 365 (WS-Fed)'],
      ['Password', 'success', 'Microsoft 365 (WS-Fed)'],
      ['Password', 'failure INVALID_CREDENTIALS', 'Microsoft 365 (WS-Fed)'],
    ]);
    expect(rows.every((row) => /127\.0\.0\.1/.test(row[4]!))).toBe(true);
    await checkPage(page);
    await screenshots(page, 'user-sign-ins-org-admin');

    const json = (await (await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/users/${bob}/sign-ins`)).json()) as { activity: Array<{ step: string; outcome: string; reason: string | null }>; next: string | null };
    expect(json.activity.map((a) => `${a.step}:${a.outcome}:${a.reason ?? ''}`)).toEqual(['token:success:', 'totp:success:', 'password:success:', 'password:failure:INVALID_CREDENTIALS']);
    expect(json.next).toBeNull();
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);

  it('pages older sign-ins', async () => {
    const db = portal.world.lanyard.context.db;
    const bob = await portal.world.userId(people.contosoUser);
    const longAgo = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 25; i++) {
      await recordAuditEvent(db, { actor: `user:${people.contosoUser}`, action: 'signin.password', target: people.contosoUser, outcome: 'failure', reason: 'INVALID_CREDENTIALS', clientAddress: `198.51.100.${i}` }, new Date(longAgo + i * 60_000));
    }
    const page = await signedInPage(people.orgAdmin);
    await page.goto(`${portal.world.url}/admin/orgs/contoso/users/${bob}`);
    expect(await page.locator('#sign-ins tbody tr').count()).toBe(20);
    await Promise.all([page.waitForURL(/before=/), page.click('#older-sign-ins')]);
    const older = await page.locator('#sign-ins tbody tr td[data-label="Address"]').allTextContents();
    expect(older).toHaveLength(9);
    expect(older.at(-1)).toBe('198.51.100.0');
    expect(await page.locator('#older-sign-ins').count()).toBe(0);
    await checkPage(page);
    await screenshots(page, 'user-sign-ins-older-org-admin');
    await page.close();
  }, 60_000);

  it('reseller: sees its customer\'s people\'s sign-ins only; an org-admin cannot reach another organization\'s person', async () => {
    const fiona = await portal.world.userId(people.fabrikamUser);
    const bob = await portal.world.userId(people.contosoUser);
    const page = await signedInPage(people.reseller);
    await page.goto(`${portal.world.url}/admin/orgs/fabrikam/users/${fiona}`);
    expect(await page.textContent('#sign-ins')).toContain('No sign-in recorded yet');
    await checkPage(page);
    await screenshots(page, 'user-sign-ins-reseller');
    expect((await page.request.get(`${portal.world.url}/admin/api/orgs/contoso/users/${bob}/sign-ins`)).status()).toBe(403);
    const tampered = await page.request.get(`${portal.world.url}/admin/api/orgs/fabrikam/users/${bob}/sign-ins`, { headers: { accept: 'application/json' } });
    expect(tampered.status()).toBe(404);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('USER_NOT_FOUND');
    await page.close();

    const admin = await signedInPage(people.orgAdmin);
    expect((await admin.goto(`${portal.world.url}/admin/orgs/fabrikam/users/${fiona}`))?.status()).toBe(403);
    expect((await admin.request.get(`${portal.world.url}/admin/api/orgs/contoso/users/${fiona}/sign-ins`)).status()).toBe(404);
    await admin.close();
  }, 60_000);
});
