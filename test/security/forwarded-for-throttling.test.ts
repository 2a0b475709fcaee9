/**
 * Threat: password spraying from one address behind Lanyard's reverse proxy while escaping the
 * per-address limit by writing a fresh X-Forwarded-For entry on every request (the proxy appends
 * the address it saw; it does not remove what the client sent).
 * Invariant: with LANYARD_TRUST_PROXY=n, the client address is the X-Forwarded-For entry n places
 * from the right (what the outermost trusted proxy saw); entries further left never count. So the
 * spray is throttled (429) after the address limit, and the audit log records that same address.
 * `true` still means one proxy.
 * Why this way: unknown user names keep the per-account limit out of the way, so only the address
 * counter can stop the spray; the header is sent as a proxy would forward it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardedClientAddress } from '../../core/http/client-address.ts';
import { loadConfig } from '../../core/config.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

const randomAddress = () => `198.51.100.${randomBytes(1)[0]}`;

describe('per-address throttling behind a reverse proxy', () => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard('sqlite', { LANYARD_TRUST_PROXY: 'true', LANYARD_THROTTLE_ADDRESS_LIMIT: '4', LANYARD_THROTTLE_ACCOUNT_LIMIT: '50' });
    await seedOrganization(lanyard.context);
  });
  afterAll(async () => lanyard?.stop());

  async function attempt(forwardedFor: string, username: string) {
    const browser = new BrowserClient();
    const page = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    const form = readForm(page.html);
    const response = await browser.request(new URL(form.action, page.url).toString(), {
      form: { ...form.fields, username, password: 'Winter2026!!' },
      headers: { 'x-forwarded-for': forwardedFor },
    });
    return response.status;
  }

  it('throttles a spray whose client-written X-Forwarded-For entry changes on every request', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) statuses.push(await attempt(`${randomAddress()}, 203.0.113.7`, `nobody${index}@contoso.com`));
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('records the address the proxy saw in the audit log', async () => {
    const events = await lanyard.context.db.selectFrom('auditEvents').select('clientAddress').where('action', '=', 'signin.password').execute();
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((event) => event.clientAddress))).toEqual(new Set(['203.0.113.7']));
  });

  it('takes the entry as many places from the right as there are trusted proxies', () => {
    expect(forwardedClientAddress('10.0.0.2', '1.1.1.1, 198.51.100.7, 203.0.113.9', 2)).toBe('198.51.100.7');
    expect(forwardedClientAddress('10.0.0.2', '1.1.1.1, 198.51.100.7, 203.0.113.9', 1)).toBe('203.0.113.9');
    // Fewer entries than proxies: the leftmost is the nearest there is.
    expect(forwardedClientAddress('10.0.0.2', '203.0.113.9', 2)).toBe('203.0.113.9');
    expect(forwardedClientAddress('::ffff:10.0.0.2', '1.1.1.1', 0)).toBe('10.0.0.2');
    expect(forwardedClientAddress('10.0.0.2', '', 1)).toBe('10.0.0.2');
  });

  it('reads LANYARD_TRUST_PROXY as a hop count, true meaning one', () => {
    expect(loadConfig({ LANYARD_TRUST_PROXY: 'true' }).trustedProxyHops).toBe(1);
    expect(loadConfig({ LANYARD_TRUST_PROXY: 'false' }).trustedProxyHops).toBe(0);
    expect(loadConfig({ LANYARD_TRUST_PROXY: '2' }).trustedProxyHops).toBe(2);
    expect(loadConfig({}).trustedProxyHops).toBe(0);
    expect(() => loadConfig({ LANYARD_TRUST_PROXY: 'yes' })).toThrow(/LANYARD_TRUST_PROXY/);
  });
});
