import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsent } from '../../csp/consent/consent.ts';
import { partnerStatus } from '../../csp/tokens/partner-tokens.ts';
import { artifactsDirectory, launchChromium, newPage } from '../e2e/browser.ts';
import { agentPassword, startCspWorld, type CspWorld } from './csp-harness.ts';

/**
 * The partner admin's consent driven in Debian's Chromium (playwright-core, launched as the e2e
 * tests do): Lanyard's authorize URL, the emulator's Entra sign-in, its second factor and consent
 * pages, and Lanyard's callback page. With MFA the page says the consent is recorded; an admin
 * without MFA gets a page saying why nothing was stored and what to do, with the code.
 */
describe('CSP partner consent in Chromium', () => {
  let world: CspWorld;
  let browser: Browser;
  const noMfaUpn = () => `nomfa@${world.partnerSlug}.onmicrosoft.com`;

  beforeAll(async () => {
    [world, browser] = await Promise.all([startCspWorld('sqlite'), launchChromium()]);
    world.emulator.state.addUser(world.partnerTenant, { userPrincipalName: noMfaUpn(), password: agentPassword, mfaRegistered: false });
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  const shoot = async (page: Page, name: string) => {
    mkdirSync(artifactsDirectory, { recursive: true });
    await page.screenshot({ path: path.join(artifactsDirectory, `csp-consent-${name}.png`), fullPage: true });
  };

  /** Opens the consent URL and goes through the emulator's pages as the admin would, until Lanyard answers. */
  async function consentInBrowser(login: string, screenshots: string): Promise<{ page: Page; status: number; sawSecondFactor: boolean }> {
    const { url } = await startConsent(world.lanyard.context, world.partnerSlug, 'cli:tester');
    const page = await newPage(browser);
    await page.goto(url);
    await page.fill('#login', login);
    await page.fill('#password', agentPassword);
    await page.click('#sign-in');
    let sawSecondFactor = false;
    const lanyardAnswer = page.waitForResponse((response) => response.url().startsWith(`${world.lanyard.url}/csp/consent/callback`), { timeout: 20_000 });
    const next = await page.locator('#otc, #accept, #consent-done, #error-code').first().waitFor({ timeout: 20_000 }).then(async () => ((await page.$('#otc')) ? 'otc' : (await page.$('#accept')) ? 'accept' : 'done'));
    if (next === 'otc') {
      sawSecondFactor = true;
      await shoot(page, `${screenshots}-second-factor`);
      await page.fill('#otc', (await page.textContent('#emulator-mfa-code'))!.trim());
      await page.click('#verify');
      await page.locator('#accept, #consent-done, #error-code').first().waitFor({ timeout: 20_000 });
    }
    if (await page.$('#accept')) {
      await shoot(page, `${screenshots}-consent`);
      await page.click('#accept');
    }
    const response = await lanyardAnswer;
    await page.locator('#consent-done, #error-code').first().waitFor({ timeout: 20_000 });
    await shoot(page, `${screenshots}-result`);
    return { page, status: response.status(), sawSecondFactor };
  }

  it('with MFA: the second factor is asked, and Lanyard shows the consent recorded', async () => {
    const before = (await world.partner()).refreshTokenObtainedAt;
    const { page, status, sawSecondFactor } = await consentInBrowser(world.agentUpn, 'mfa');
    expect(sawSecondFactor).toBe(true);
    expect(status).toBe(200);
    expect(page.url()).toContain(`${world.lanyard.url}/csp/consent/callback`);
    expect((await page.textContent('#consent-done'))!).toContain('Lanyard now holds the delegated Partner Center access');
    expect((await page.textContent('#consent-upn'))!.trim()).toBe(world.agentUpn);
    const partner = await world.partner();
    expect(partner.refreshTokenObtainedAt).not.toBe(before);
    expect((await partnerStatus(world.lanyard.context.db, world.partnerSlug)).state).toBe('valid');
  });

  it('without MFA: refused, the page says why and what to do, and nothing is stored', async () => {
    const tokenBefore = (await world.partner()).refreshTokenSealed;
    const { page, status, sawSecondFactor } = await consentInBrowser(noMfaUpn(), 'no-mfa');
    expect(sawSecondFactor).toBe(false);
    expect(status).toBe(403);
    expect((await page.textContent('#error-code'))!.trim()).toBe('CSP_MFA_MISSING');
    const message = (await page.textContent('#error'))!;
    expect(message).toContain('without multi-factor authentication');
    expect(message).toContain('Register MFA');
    expect(message).toContain(`lanyard csp partner consent ${world.partnerSlug}`);
    const partner = await world.partner();
    expect(partner.refreshTokenSealed).toBe(tokenBefore);
    expect(partner.tokenState).toBe('mfa-missing');
  });
});
