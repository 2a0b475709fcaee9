import type { RunningEmulator } from '../../emulator/start.ts';

function decodeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code)));
}

function postForm(url: string, fields: Readonly<Record<string, string>>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}

/** Types `login` on the emulator's start page and returns the IdP redirect (WS-Fed domains). */
export async function startWsFedSignIn(emulator: RunningEmulator, login: string): Promise<URL> {
  const response = await postForm(`${emulator.baseUrl}/signin`, { login });
  if (response.status !== 302) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location') ?? '');
}

export interface SamlRequestPost {
  readonly action: string;
  readonly authnRequestXml: string;
  readonly relayState: string;
}

/** Reads an auto-submitting SAML HTTP-POST form (SAMLRequest + RelayState). */
export function readSamlPostForm(html: string): SamlRequestPost {
  const action = /<form id="auto-post" method="post" action="([^"]*)"/.exec(html)?.[1];
  const field = (name: string): string | undefined =>
    new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html)?.[1];
  const samlRequest = field('SAMLRequest');
  if (action === undefined || samlRequest === undefined) throw new Error(`not a SAML POST form: ${html}`);
  return {
    action: decodeHtml(action),
    authnRequestXml: Buffer.from(decodeHtml(samlRequest), 'base64').toString('utf8'),
    relayState: decodeHtml(field('RelayState') ?? ''),
  };
}

export async function startSamlSignIn(emulator: RunningEmulator, login: string): Promise<SamlRequestPost> {
  const response = await postForm(`${emulator.baseUrl}/signin`, { login });
  if (response.status !== 200) throw new Error(`expected the auto-post page, got ${response.status}`);
  return readSamlPostForm(await response.text());
}

export interface LoginSrfResult {
  readonly status: number;
  readonly html: string;
  readonly location: string | null;
  /** The code in `#aadsts`, e.g. `AADSTS50107`. */
  readonly errorCode: string | undefined;
  readonly signedInPrincipalName: string | undefined;
  readonly mfaSatisfied: string | undefined;
}

export async function postToLoginSrf(emulator: RunningEmulator, fields: Readonly<Record<string, string>>): Promise<LoginSrfResult> {
  const response = await postForm(`${emulator.baseUrl}/login.srf`, fields);
  const html = await response.text();
  const element = (pattern: RegExp): string | undefined => {
    const value = pattern.exec(html)?.[1];
    return value === undefined ? undefined : decodeHtml(value);
  };
  return {
    status: response.status,
    html,
    location: response.headers.get('location'),
    errorCode: element(/<code id="aadsts">([^<]*)<\/code>/),
    signedInPrincipalName: element(/<dd id="signed-in-upn">([^<]*)<\/dd>/),
    mfaSatisfied: element(/<dd id="mfa-satisfied">([^<]*)<\/dd>/),
  };
}
