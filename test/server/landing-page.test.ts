import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';

/**
 * `/` says what the server is (the admin portal will take this address): a page in the sign-in
 * pages' frame, its inline style allowed by this response's CSP nonce, no external assets, linking
 * the health endpoint and naming the federation metadata address.
 */
describe('landing page', () => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard('sqlite');
  });
  afterAll(async () => lanyard?.stop());

  it('answers / with a self-contained page', async () => {
    const response = await fetch(`${lanyard.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    const nonce = /style-src 'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).toBeDefined();
    expect(page).toContain(`<style nonce="${nonce}">`);
    expect(page).toContain('href="/healthz"');
    expect(page).toContain(`${lanyard.url}/federation/{domain}/federationmetadata.xml`);
    expect(page).not.toMatch(/\s(src|href)="(https?:)?\/\//);
  });

  it('is not found under other spellings', async () => {
    expect((await fetch(`${lanyard.url}/index.html`)).status).toBe(404);
  });
});
