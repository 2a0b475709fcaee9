import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { artifactsDirectory, launchChromium } from '../e2e/browser.ts';
import { testPassword } from '../harness/seed.ts';
import { seriousAxeViolations } from './axe.ts';
import type { PortalWorld } from './portal-world.ts';

export const shots = path.join(artifactsDirectory, 'portal');

export interface PortalBrowserSuiteOptions {
  /** The beforeAll's timeout (the world's set-up plus Chromium's start). */
  readonly timeout?: number;
  /** Runs first in afterAll, while the world still runs (undo faults set in the emulator…). */
  readonly beforeStop?: () => Promise<unknown>;
  /** Runs last in afterAll, once the world is stopped (peers the world used). */
  readonly afterStop?: () => Promise<unknown>;
}

/**
 * The set-up every portal browser test file shares: in beforeAll, `start` (the world with its
 * seeds), then Chromium and the screenshot folder; in afterAll, Chromium closed and the world
 * stopped. Answers the kit (signedInPage, screenshots, checkPage), the page CSP violations seen, and
 * `world` and `browser` accessors (valid once beforeAll ran).
 *
 * @example
 *   const portal = portalBrowserSuite(() => startPortalWorld('sqlite'));
 *   it('…', async () => { const page = await portal.signedInPage(people.orgAdmin); … portal.world.url … });
 */
export function portalBrowserSuite<W extends PortalWorld>(start: () => Promise<W>, options: PortalBrowserSuiteOptions = {}) {
  let world: W | undefined;
  let browser: Browser | undefined;
  const cspViolations: string[] = [];
  beforeAll(async () => {
    world = await start();
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  }, options.timeout ?? 60_000);
  afterAll(async () => {
    await options.beforeStop?.();
    await browser?.close();
    await world?.stop();
    await options.afterStop?.();
  });
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`${name} is not started yet (beforeAll has not run)`);
    return value;
  };
  const kit = portalBrowserKit(() => ({ world: started(world, 'the world'), browser: started(browser, 'Chromium'), cspViolations }));
  return {
    ...kit,
    cspViolations,
    get world(): W { return started(world, 'the world'); },
    get browser(): Browser { return started(browser, 'Chromium'); },
  };
}

/**
 * What every portal browser test does: sign in through the real pages, take desktop and 390 px
 * screenshots, and check a page (axe-core plus the checks axe does not make).
 */
export function portalBrowserKit(get: () => { world: PortalWorld; browser: Browser; cspViolations: string[] }) {
  async function signedInPage(upn: string, width = 1280): Promise<Page> {
    const { world, browser, cspViolations } = get();
    const context = await browser.newContext({ viewport: { width, height: 900 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
    });
    await world.syncClock();
    await page.goto(`${world.url}/admin/signin`);
    await page.fill('#username', upn);
    await page.click('#next');
    await page.waitForSelector('#password');
    expect(await page.inputValue('#username')).toBe(upn);
    await page.fill('#password', testPassword);
    await page.click('button[type=submit]');
    await page.waitForSelector('#code');
    await page.fill('#code', await world.code(upn));
    await Promise.all([page.waitForURL(`${world.url}/admin`), page.click('button[type=submit]')]);
    return page;
  }

  /** Desktop and phone screenshots of the page at `url`, and the phone width must not scroll sideways. */
  async function screenshots(page: Page, name: string): Promise<void> {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: path.join(shots, `${name}-desktop.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(shots, `${name}-390.png`), fullPage: true });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow, `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  /**
   * axe-core in the page (no serious or critical violation), and beside it what axe does not ask:
   * the style sheet loaded under the CSP, one h1, every visible form control has a label, every
   * link and button has a name, lang is set.
   */
  async function checkPage(page: Page): Promise<void> {
    // A string: it runs in the page (this project's TypeScript has no DOM types).
    const report = await page.evaluate<{ problems: string[]; background: string }>(`(() => {
      const problems = [];
      if (!document.documentElement.lang) problems.push('no lang');
      if (document.querySelectorAll('h1').length !== 1) problems.push(document.querySelectorAll('h1').length + ' h1');
      for (const control of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
        const labelled = (control.id && document.querySelector('label[for="' + control.id + '"]')) || control.getAttribute('aria-label') || control.closest('label');
        if (!labelled) problems.push('unlabelled ' + control.name);
      }
      for (const element of document.querySelectorAll('a, button')) {
        if (!(element.getAttribute('aria-label') || element.textContent.trim())) problems.push('nameless ' + element.tagName);
      }
      return { problems, background: getComputedStyle(document.body).backgroundColor };
    })()`);
    expect(report.problems, page.url()).toEqual([]);
    expect(report.background, 'portal.css applied').toBe('rgb(243, 244, 246)');
    expect(await seriousAxeViolations(page), `axe-core on ${page.url()}`).toEqual([]);
  }

  return { signedInPage, screenshots, checkPage };
}
