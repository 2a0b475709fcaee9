import type { Tenant } from '../../emulator/state/model.ts';
import { postStep } from '../emulator/authorize-flow.ts';
import type { CspWorld } from './csp-harness.ts';

export const customerAdminPassword = 'Admin-Passw0rd!';

/** Adds Lanyard's customer-consent callback to the partner app's redirect URIs (as the app registration section asks). */
export function allowCustomerConsentRedirect(world: CspWorld): void {
  const uris = world.partnerTenant.apps[0]!.redirectUris as string[];
  const uri = `${world.lanyard.url}/csp/customer-consent/callback`;
  if (!uris.includes(uri)) uris.push(uri);
}

export interface CallbackPage {
  readonly status: number;
  readonly html: string;
  readonly code: string | undefined;
}

export async function openPage(url: string, init: RequestInit = {}): Promise<CallbackPage> {
  const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' }, ...init });
  const html = await response.text();
  return { status: response.status, html, code: /id="error-code">([^<]*)</.exec(html)?.[1] };
}

/**
 * The customer admin in a browser: opens the wizard link, presses "Continue to Microsoft" (POST, 303
 * to Entra), signs in at `signInTenant` (the customer's own unless a test sends them elsewhere) with
 * password, the second factor when asked, accepts, and returns Entra's redirect back to Lanyard.
 */
export async function signInThroughWizard(world: CspWorld, wizardUrl: string, signIn: { tenant: Tenant; login: string; signInTenant?: Tenant }): Promise<string> {
  const begin = await fetch(wizardUrl, { method: 'POST', redirect: 'manual' });
  if (begin.status !== 303) throw new Error(`wizard answered ${begin.status}: ${await begin.text()}`);
  const authorize = new URL(begin.headers.get('location')!);
  const tenant = signIn.signInTenant ?? signIn.tenant;
  if (signIn.signInTenant) authorize.pathname = authorize.pathname.replace(signIn.tenant.id, signIn.signInTenant.id);
  const first = await fetch(authorize, { redirect: 'manual' });
  const firstHtml = await first.text();
  const request = /name="request" value="([^"]*)"/.exec(firstHtml)?.[1];
  if (!request) throw new Error(`the authorize page answered ${first.status}: ${firstHtml.slice(0, 800)}`);
  let page = await postStep(world.emulator, tenant.id, 'credentials', { request, login: signIn.login, password: customerAdminPassword });
  if (page.html.includes('id="otc"')) page = await postStep(world.emulator, tenant.id, 'second-factor', { request: page.requestId ?? '', otc: '123456' });
  if (page.html.includes('id="accept"')) page = await postStep(world.emulator, tenant.id, 'consent', { request: page.requestId ?? '', decision: 'accept' });
  if (page.status !== 302 || !page.location) throw new Error(`expected the redirect back, got ${page.status}: ${page.html.slice(0, 500)}`);
  return page.location;
}
