import type { BrowserClient } from '../harness/browser-client.ts';

/** The session's CSRF token, read from the sign-out form every portal page carries. */
export async function csrfOf(browser: BrowserClient, url: string): Promise<string> {
  const page = await browser.follow(`${url}/admin`);
  const token = /action="\/admin\/signout"><input type="hidden" name="csrf" value="([^"]+)">/.exec(page.html)?.[1];
  if (!token) throw new Error(`no CSRF token on ${page.url} (${page.response.status})`);
  return token;
}
