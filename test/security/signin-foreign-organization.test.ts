/**
 * Threat: a sign-in page handing a password to another organization's directory agent. The page
 * compared only the domain of the UPN's first "@" suffix with its own, so an account stored in
 * organization A as `victim@bravo.test@alpha.test` was a candidate on B's page, and the password
 * typed there went to A's agent (and A's directory).
 * Invariant: on a domain's page, only accounts whose own organization is that domain's organization
 * (and whose UPN domain, after the last "@", belongs to it too) are candidates; anyone else is an
 * unknown name: 401, and no directory agent is asked.
 * Why this way: the directory verifier is injected and counts its calls, on a served app.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../server/app.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { freePort } from '../harness/free-port.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization } from '../harness/seed.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

describe('a sign-in page signs in its own organization’s accounts only', () => {
  let lanyard: RunningLanyard;
  let served: { url: string; close(): Promise<void> };
  const asked: string[] = [];

  beforeAll(async () => {
    lanyard = await startLanyard('sqlite');
    const alpha = await seedOrganization(lanyard.context, { slug: 'alpha', domain: 'alpha.test' });
    await seedOrganization(lanyard.context, { slug: 'bravo', domain: 'bravo.test' });
    const now = new Date().toISOString();
    await lanyard.context.db.insertInto('users').values({
      id: randomUUID(), organizationId: alpha.organization.id, upn: 'victim@bravo.test@alpha.test', immutableId: 'dmljdGlt', displayName: null, givenName: null,
      surname: null, mail: null, source: 'directory', externalId: '3ab39606-c642-489b-84b6-58c038d3ef39', status: 'active', passwordHash: null,
      microsoftObjectId: null, usageLocation: null, createdAt: now, updatedAt: now,
    }).execute();
    const server = await createServer(lanyard.context, {
      services: { directoryPasswords: { verify: async (user) => (asked.push(user.upn), true), availability: async () => 'connected' } },
    });
    served = await server.listen(await freePort(), '127.0.0.1');
  });
  afterAll(async () => {
    await served.close();
    await lanyard.stop();
  });

  it('never asks organization A’s directory for a password typed on B’s page', async () => {
    const browser = new BrowserClient();
    const page = await browser.follow(wsFedSignInUrl(served.url, 'bravo.test'));
    const form = readForm(page.html);
    const answer = await browser.follow(new URL(form.action, page.url).toString(), {
      form: { ...form.fields, username: 'victim@bravo.test@alpha.test', password: 'the victim’s directory password' },
    });
    expect(answer.response.status).toBe(401);
    expect(answer.html).toContain('The user name or password is incorrect.');
    expect(asked).toEqual([]);
  });
});
