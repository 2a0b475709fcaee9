/**
 * Threat: enumerating accounts on the sign-in page. With no directory agent connected a directory
 * account answered 503 AGENT_UNAVAILABLE and an unknown name 401; with an agent, a directory account
 * skipped the password hash and took a different time than an unknown name.
 * Invariant: until a password is proven, unknown names, local accounts and directory accounts get
 * the same answer (401, same page) and the same work (exactly one scrypt verification, of the
 * account's hash or of the decoy). When the organization's directory is away the page says so for
 * every name typed on it (a fact about the organization, not the account), never for one name only.
 * The organization's name and logo on the page are those of the page's domain (which its URL names
 * anyway), the same for every name typed, never those of the organization a typed name belongs to.
 * Why this way: the cost is counted with an injected hash verifier instead of a wall clock; the
 * answers are compared page for page over real HTTP.
 */
import { idpDeps } from '../../idp/module.ts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LanyardError } from '../../core/errors.ts';
import type { User } from '../../core/db/schema.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { checkPassword, type HashVerifier } from '../../idp/login/password-step.ts';
import { verifyPassword } from '../../core/password-hash.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, seedUser, testPassword } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';
import { saveOrganizationLogo } from '../../core/db/organization-logos.ts';
import { checkLogoImage } from '../../core/branding/logo-image.ts';
import { pngLogo } from '../fixtures/logo-images.ts';

describe('account enumeration on the password page', () => {
  let lanyard: RunningLanyard;
  let organizationId: string;
  let local: User;
  let directory: User;

  beforeAll(async () => {
    lanyard = await startLanyard('sqlite');
    organizationId = (await seedOrganization(lanyard.context)).organization.id;
    local = (await seedUser(lanyard.context, 'lena@contoso.com', { enrolled: false })).user;
    const now = new Date().toISOString();
    await lanyard.context.db.insertInto('users').values({
      id: randomUUID(), organizationId, upn: 'dora@contoso.com', immutableId: 'ZG9yYQ==', displayName: null, givenName: null, surname: null, mail: null,
      source: 'directory', externalId: '3ab39606-c642-489b-84b6-58c038d3ef39', status: 'active', passwordHash: null, microsoftObjectId: null,
      usageLocation: null, createdAt: now, updatedAt: now,
    }).execute();
    directory = (await findUserByUpn(lanyard.context.db, 'dora@contoso.com'))!;
  });
  afterAll(async () => lanyard.stop());

  async function answer(username: string) {
    const browser = new BrowserClient();
    const page = await browser.follow(wsFedSignInUrl(lanyard.url, 'contoso.com'));
    const form = readForm(page.html);
    const { response, html } = await browser.follow(new URL(form.action, page.url).toString(), { form: { ...form.fields, username, password: 'Winter2026!!' } });
    const normalised = html.replaceAll(username, 'NAME').replace(/value="[^"]{20,}"/g, '').replace(/\/signin\/[A-Za-z0-9_-]{32}/g, '').replace(/nonce[-=]["']?[^"']+/g, '');
    return { status: response.status, page: normalised };
  }

  it('answers a directory account without an agent exactly like an unknown name', async () => {
    const unknown = await answer('nobody@contoso.com');
    expect(unknown.status).toBe(401);
    expect(await answer('dora@contoso.com')).toEqual(unknown);
    expect(await answer('lena@contoso.com')).toEqual(unknown);
  });

  it('tells every name on the page that the directory is away, once the organization has an agent that is not connected', async () => {
    await lanyard.context.db.insertInto('directoryAgents').values({
      id: randomUUID(), organizationId, name: 'dc1', keyHash: 'x'.repeat(64), createdAt: new Date().toISOString(), revokedAt: null, lastSeenAt: null,
      connectedUntil: null, version: null, lastErrorCode: null, lastErrorMessage: null, lastErrorAt: null,
    }).execute();
    const unknown = await answer('nobody@contoso.com');
    expect(unknown.page).toContain('cannot be reached right now');
    expect(await answer('dora@contoso.com')).toEqual(unknown);
    expect(await answer('lena@contoso.com')).toEqual(unknown);
  });

  it('shows the page organization’s name and logo for every name typed, never the typed name’s organization', async () => {
    const fabrikam = (await seedOrganization(lanyard.context, { slug: 'fabrikam' })).organization;
    await seedUser(lanyard.context, 'finn@fabrikam.com');
    const contosoLogo = await saveOrganizationLogo(lanyard.context.db, organizationId, checkLogoImage(pngLogo(120, 40)), 'test', new Date());
    const fabrikamLogo = await saveOrganizationLogo(lanyard.context.db, fabrikam.id, checkLogoImage(pngLogo(120, 40, [22, 163, 74])), 'test', new Date());
    const unknown = await answer('nobody@contoso.com');
    expect(unknown.page).toContain(contosoLogo.url);
    expect(unknown.page).toContain('contoso Ltd');
    for (const name of ['lena@contoso.com', 'dora@contoso.com', 'finn@fabrikam.com']) {
      const shown = await answer(name);
      expect(shown).toEqual(unknown);
      expect(shown.page).not.toContain(fabrikamLogo.url);
      expect(shown.page).not.toContain('fabrikam Ltd');
    }
  });

  it('verifies exactly one scrypt hash for unknown, local and directory names, whatever the agent says', async () => {
    let hashes = 0;
    const counting: HashVerifier = (password, stored) => {
      hashes++;
      return verifyPassword(password, stored);
    };
    const deps = idpDeps(lanyard.server.host);
    const agentSays = (verify: () => Promise<boolean>) => ({ ...deps, directoryPasswords: { verify, availability: async () => 'connected' as const } });
    const cases = [
      { deps, user: undefined, password: testPassword, expected: 'invalid' },
      { deps, user: local, password: 'wrong password', expected: 'invalid' },
      { deps, user: local, password: testPassword, expected: 'valid' },
      { deps: agentSays(async () => true), user: directory, password: 'the directory password', expected: 'valid' },
      { deps: agentSays(async () => false), user: directory, password: 'wrong', expected: 'invalid' },
      { deps: agentSays(() => Promise.reject(new LanyardError('AGENT_UNAVAILABLE', 'away'))), user: directory, password: 'x', expected: 'directory-unavailable' },
      { deps: { ...deps, directoryPasswords: undefined }, user: directory, password: 'x', expected: 'directory-unavailable' },
    ] as const;
    for (const { deps: caseDeps, user, password, expected } of cases) {
      hashes = 0;
      expect(await checkPassword(caseDeps, user, password, counting)).toBe(expected);
      expect(hashes).toBe(1);
    }
  });
});
