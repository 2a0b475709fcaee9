import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testPassword, totpCode } from '../harness/seed.ts';

export const artifactsDirectory = path.resolve(import.meta.dirname, '../../test-artifacts');

/** Debian's Chromium, headless, without the background traffic a test does not want. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh context (no cookies) per sign-in; the emulator's and Lanyard's certificates come from the emulator CA. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1000, height: 760 } });
  return context.newPage();
}

export interface SignInOutcome {
  /** The emulator's success page fields, or its AADSTS code, or Lanyard's error code. */
  readonly signedInUpn?: string;
  readonly mfaSatisfied?: string;
  readonly protocol?: string;
  readonly aadsts?: string;
  readonly lanyardError?: string;
}

/**
 * A person signing in to Microsoft 365 with a federated account: the emulator's sign-in page, the UPN,
 * the redirect to Lanyard, password, TOTP, back to login.srf. With `screenshots`, each page is saved
 * as test-artifacts/<screenshots>-<step>.png.
 */
export async function signInThroughBrowser(
  page: Page,
  input: { emulatorUrl: string; lanyardUrl: string; upn: string; totpSecret?: string; password?: string; screenshots?: string; beforeSubmit?: () => Promise<void> },
): Promise<SignInOutcome> {
  const shoot = async (step: string) => {
    if (!input.screenshots) return;
    mkdirSync(artifactsDirectory, { recursive: true });
    await page.screenshot({ path: path.join(artifactsDirectory, `${input.screenshots}-${step}.png`), fullPage: true });
  };
  await page.goto(`${input.emulatorUrl}/signin`);
  await page.fill('#login', input.upn);
  await Promise.all([page.waitForURL((url) => url.toString().startsWith(input.lanyardUrl)), page.click('#next')]);
  if ((await nextPage(page, input.emulatorUrl)) === 'lanyard-error') return { lanyardError: (await page.textContent('#error-code'))?.trim() };
  await shoot('login');
  await page.fill('#username', input.upn);
  await page.fill('#password', input.password ?? testPassword);
  await page.click('button[type=submit]');
  const afterPassword = await nextPage(page, input.emulatorUrl, 'password');
  if (afterPassword === 'totp') {
    await shoot('totp');
    await page.fill('#code', await totpCode(input.totpSecret ?? ''));
    await input.beforeSubmit?.();
    await page.click('button[type=submit]');
  }
  const landed = afterPassword === 'totp' ? await nextPage(page, input.emulatorUrl, 'totp') : afterPassword;
  if (landed === 'password-error') return { lanyardError: (await page.textContent('#error'))?.trim() };
  if (landed === 'lanyard-error') return { lanyardError: (await page.textContent('#error-code'))?.trim() ?? (await page.textContent('#error'))?.trim() };
  if (landed === 'aadsts') {
    await shoot('aadsts');
    return { aadsts: (await page.textContent('#aadsts'))?.trim() };
  }
  if (landed !== 'signed-in') throw new Error(`unexpected page after sign-in: ${landed} at ${page.url()}`);
  await shoot('signed-in');
  return {
    signedInUpn: (await page.textContent('#signed-in-upn'))?.trim(),
    mfaSatisfied: (await page.textContent('#mfa-satisfied'))?.trim(),
    protocol: (await page.textContent('#signed-in-protocol'))?.trim(),
  };
}

const landmarks = [
  ['#code', 'totp'],
  ['#signed-in-upn', 'signed-in'],
  ['#aadsts', 'aadsts'],
  ['#error-code', 'lanyard-error'],
  ['#error', 'password-error'],
  ['#password', 'password'],
] as const;

type Landmark = (typeof landmarks)[number][1];

/** Waits for the next settled page (one of the landmarks, skipping `previous`) and says which one it is. */
async function nextPage(page: Page, emulatorUrl: string, previous?: Landmark): Promise<Landmark> {
  const candidates = landmarks.filter(([, name]) => name !== previous);
  await page
    .locator(candidates.map(([selector]) => selector).join(', '))
    .first()
    .waitFor({ timeout: 20_000 })
    .catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\nat ${page.url()}:\n${(await page.content()).slice(0, 3000)}`);
    });
  for (const [selector, name] of candidates) {
    if ((await page.$(selector)) !== null) {
      if ((name === 'signed-in' || name === 'aadsts') && !page.url().startsWith(emulatorUrl)) throw new Error(`expected the emulator, at ${page.url()}`);
      return name;
    }
  }
  throw new Error(`no known page at ${page.url()}`);
}
