/**
 * Threat: the portal's cookies leak: read by script (XSS), sent by other sites' requests (CSRF),
 * sent to other paths of this server, or sent over plain HTTP.
 * Invariant: every portal cookie is HttpOnly, SameSite=Strict, Path=/admin, Secure whenever the
 * public URL is HTTPS; the session cookie has no lifetime of its own (the server's deadlines decide).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../harness/browser-client.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';

const attributes = (line: string) => line.split(';').slice(1).map((part) => part.trim().toLowerCase());

describe('portal cookie flags', () => {
  let world: PortalWorld;
  let behindTls: RunningLanyard;
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
    // HTTPS at a reverse proxy: the public URL is https and the proxy says so.
    behindTls = await startLanyard('sqlite', { LANYARD_PUBLIC_URL: 'https://idp.example.com', LANYARD_TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await world.stop();
    await behindTls.stop();
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, Path=/admin, without Max-Age', async () => {
    const browser = new BrowserClient();
    const setCookies: string[] = [];
    const original = browser.request.bind(browser);
    browser.request = async (url, init) => {
      const response = await original(url, init);
      setCookies.push(...response.headers.getSetCookie());
      return response;
    };
    await world.signIn(people.orgAdmin, browser);
    const session = setCookies.find((line) => line.startsWith('lanyard_admin=') && !line.startsWith('lanyard_admin=;'))!;
    expect(attributes(session)).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/admin']));
    expect(attributes(session).some((a) => a.startsWith('max-age') || a.startsWith('expires'))).toBe(false);
    expect(attributes(session)).not.toContain('secure');
    const state = setCookies.find((line) => line.startsWith('lanyard_admin_state='))!;
    expect(attributes(state)).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/admin']));
  });

  it('adds Secure when the public URL is HTTPS', async () => {
    const response = await fetch(`${behindTls.url}/admin/signin`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' } });
    expect(response.status).toBe(200);
    const state = response.headers.getSetCookie().find((line) => line.startsWith('lanyard_admin_state='))!;
    expect(attributes(state)).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict', 'path=/admin']));
  });
});
