/**
 * Threat: stored script on Lanyard's own origin through the organization's logo. An admin (or a
 * stolen admin session) uploads an HTML page or an SVG with script, named logo.png; served back
 * from the IdP's origin it would run beside the sign-in pages and their SSO cookies.
 * Invariant: only bytes that are a PNG or a JPEG (by their signature and structure, never by the
 * file name or the browser's type) are stored; a logo is served only under its hash with its own
 * image extension, as image/png or image/jpeg with nosniff and a sandboxing CSP, so even bytes that
 * got into the table some other way are never rendered as a page.
 * Why this way: real multipart posts through a signed-in admin session; the served answer is
 * checked in its headers and, for the defence in depth, opened in Chromium.
 */
import { createHash } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { findOrganizationLogo } from '../../core/db/organization-logos.ts';
import { launchChromium } from '../e2e/browser.ts';
import { hostileLogos, pngLogo } from '../fixtures/logo-images.ts';
import type { BrowserClient } from '../harness/browser-client.ts';
import { csrfOf } from '../portal/portal-pages-helpers.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';

describe('a logo upload that is not a PNG or JPEG', () => {
  let world: PortalWorld;
  let admin: BrowserClient;
  let browser: Browser;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
    admin = await world.signIn(people.orgAdmin);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  const contosoId = async () => (await findOrganizationBySlug(world.lanyard.context.db, 'contoso'))!.id;
  async function upload(bytes: Buffer, fileName: string, type: string): Promise<Response> {
    const form = new FormData();
    form.set('csrf', await csrfOf(admin, world.url));
    form.set('logo', new Blob([bytes], { type }), fileName);
    return admin.request(`${world.url}/admin/orgs/contoso/branding/logo`, { multipart: form });
  }

  it('refuses HTML and SVG, whatever they are named or typed as, and stores nothing', async () => {
    const attempts: Array<[Buffer, string, string]> = [
      [hostileLogos.html, 'logo.png', 'image/png'],
      [hostileLogos.svg, 'logo.svg', 'image/svg+xml'],
      [hostileLogos.svg, 'logo.png', 'image/png'],
      [hostileLogos.pngSignatureThenHtml, 'logo.png', 'image/png'],
      [hostileLogos.gif, 'logo.jpg', 'image/jpeg'],
    ];
    for (const [bytes, name, type] of attempts) {
      const response = await upload(bytes, name, type);
      expect(response.status, name).toBe(400);
      expect(await response.text()).toContain('LOGO_INVALID');
    }
    expect(await findOrganizationLogo(world.lanyard.context.db, await contosoId())).toBeUndefined();
    const refused = await world.lanyard.context.db.selectFrom('auditEvents').select('reason').where('action', '=', 'organization.logo-upload').execute();
    expect(refused.map((event) => event.reason)).toEqual(Array(attempts.length).fill('LOGO_INVALID'));
  });

  it('serves an accepted PNG as an image only: its type, nosniff, a sandbox CSP, its own extension only', async () => {
    const png = pngLogo();
    expect((await upload(png, 'logo.html', 'text/html')).status).toBe(303);
    const logo = (await findOrganizationLogo(world.lanyard.context.db, await contosoId()))!;
    expect(logo.url).toBe(`/branding/logo/${createHash('sha256').update(png).digest('hex')}.png`);
    const served = await fetch(`${world.url}${logo.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(served.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    for (const other of [logo.url.replace('.png', '.jpg'), logo.url.replace('.png', '.html'), logo.url.replace('.png', '.svg'), logo.url.replace('/logo/', '/logo/x')]) {
      expect((await fetch(`${world.url}${other}`)).status, other).toBe(404);
    }
  });

  it('never renders stored bytes as a page, even HTML that reached the table without the check', async () => {
    const html = Buffer.from('<!doctype html><title>x</title><script>document.title = "script ran"</script>');
    const sha256 = createHash('sha256').update(html).digest('hex');
    await world.lanyard.context.db.updateTable('organizationLogos').set({ bytesBase64: html.toString('base64'), sha256 }).where('organizationId', '=', await contosoId()).execute();
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(`${world.url}/branding/logo/${sha256}.png`);
    expect(response?.headers()['content-type']).toBe('image/png');
    expect(await page.evaluate('document.contentType')).toBe('image/png');
    expect(await page.title()).not.toBe('script ran');
    expect(await page.evaluate('document.querySelectorAll("script").length')).toBe(0);
    await page.close();
  });
});
