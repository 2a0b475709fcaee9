/**
 * Threat: cross-site request forgery on the admin API through the admin's portal session: another
 * site's form or fetch makes a signed-in admin's browser call /api/v1 ("disable this user", "add a
 * domain"), the browser adding the session cookie by itself.
 * Invariant: with the session cookie, every unsafe call (POST, PUT, PATCH, DELETE) needs the
 * session's own CSRF token in the X-CSRF-Token header, which a cross-site form cannot set and a
 * cross-site fetch cannot set without a CORS preflight nobody answers. Without it, with another
 * session's, or with it anywhere but the header, nothing changes. Safe calls need no token. (The
 * cookie's SameSite=Strict is a second wall: this test sends the cookie anyway, as an old browser
 * would.) A request with an Authorization header is judged by it alone, never by the cookie beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByUpn } from '../../core/db/users.ts';
import { BrowserClient } from '../harness/browser-client.ts';
import { people, startPortalWorld, type PortalWorld } from '../portal/portal-world.ts';
import { apiClient } from '../server/admin-api-kit.ts';

describe('admin API CSRF with the portal session', () => {
  let world: PortalWorld;
  let victim: BrowserClient;
  let attacker: BrowserClient;
  const setCookies: string[] = [];
  beforeAll(async () => {
    world = await startPortalWorld('sqlite');
    victim = new BrowserClient();
    const original = victim.request.bind(victim);
    victim.request = async (url, init) => {
      const response = await original(url, init);
      setCookies.push(...response.headers.getSetCookie());
      return response;
    };
    await world.signIn(people.orgAdmin, victim);
    attacker = await world.signIn(people.operator);
  });
  afterAll(async () => world?.stop());

  const status = async () => (await findUserByUpn(world.lanyard.context.db, people.contosoUser))!.status;
  const disablePath = async () => `/orgs/contoso/users/${await world.userId(people.contosoUser)}/disable`;
  const csrfOf = async (browser: BrowserClient) => (await apiClient(world.url, { browser })('GET', '/session')).json.csrfToken as string;

  it('refuses unsafe calls without the session\'s token in the header, and changes nothing', async () => {
    const call = apiClient(world.url, { browser: victim });
    const own = await csrfOf(victim);
    const forged = [
      await call('POST', await disablePath()),
      // What a cross-site HTML form can send: a simple content type, the token (if it had it) as a field.
      await call('POST', await disablePath(), { body: `csrf=${own}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      await call('POST', `${await disablePath()}?csrf=${own}`, { body: 'x', headers: { 'content-type': 'text/plain' } }),
      await call('POST', await disablePath(), { csrf: await csrfOf(attacker) }),
      await call('POST', '/orgs/contoso/domains', { body: { name: 'evil.contoso.com' } }),
      await call('PUT', '/orgs/contoso/mfa-policy', { body: { policy: 'optional' } }),
      await call('DELETE', `/orgs/contoso/users/${await world.userId(people.contosoUser)}`),
    ];
    for (const answer of forged) {
      expect(answer.status).toBe(403);
      expect(answer.json).toMatchObject({ error: { code: 'CSRF_TOKEN_INVALID' } });
    }
    expect(await status()).toBe('active');
    const db = world.lanyard.context.db;
    expect(await db.selectFrom('domains').select('name').where('name', '=', 'evil.contoso.com').executeTakeFirst()).toBeUndefined();
    expect((await db.selectFrom('organizations').select('mfaPolicy').where('slug', '=', 'contoso').executeTakeFirstOrThrow()).mfaPolicy).toBe('required');
    // A safe call needs no token.
    expect((await call('GET', '/orgs/contoso/users')).status).toBe(200);
  });

  it('judges a request with an Authorization header by it alone, never by the cookie beside it', async () => {
    const withBadBearer = await apiClient(world.url, { browser: victim })('POST', await disablePath(), { csrf: await csrfOf(victim), headers: { authorization: 'Bearer lyt.forged.AAAA' } });
    expect(withBadBearer.status).toBe(401);
    expect(withBadBearer.json).toMatchObject({ error: { code: 'API_TOKEN_INVALID' } });
    expect(await status()).toBe('active');
  });

  it('accepts the same call with the session\'s own token in the header', async () => {
    const answer = await apiClient(world.url, { browser: victim })('POST', await disablePath(), { csrf: await csrfOf(victim) });
    expect(answer.status).toBe(200);
    expect(await status()).toBe('disabled');
  });

  it('sends the session cookie to /api/v1 with the portal\'s flags: HttpOnly, SameSite=Strict, its own path', () => {
    const attributes = (line: string) => line.split(';').slice(1).map((part) => part.trim().toLowerCase());
    const sessions = setCookies.filter((line) => line.startsWith('lanyard_admin=') && !line.startsWith('lanyard_admin=;'));
    const forApi = sessions.find((line) => attributes(line).includes('path=/api/v1'))!;
    expect(forApi).toBeDefined();
    expect(attributes(forApi)).toEqual(expect.arrayContaining(['httponly', 'samesite=strict']));
    expect(attributes(forApi).some((attribute) => attribute.startsWith('max-age') || attribute.startsWith('expires'))).toBe(false);
    expect(sessions.find((line) => attributes(line).includes('path=/admin'))!.split(';')[0]).toBe(forApi.split(';')[0]);
  });
});
