import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/**
 * Runs axe-core inside the page and returns its serious and critical violations (WCAG 2.x A/AA and
 * best practices). The strict CSP refuses `addScriptTag` (an inline script without the nonce), so
 * the library is evaluated through the DevTools protocol, which CSP does not govern; the page's own
 * policy stays on, so what axe sees is what a person gets.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate<boolean>(`(() => { if (!window.axe) { ${axeSource}\n; } return typeof window.axe === 'object'; })()`);
  if (!loaded) throw new Error('axe-core did not load in the page');
  // A string: it runs in the page (this project's TypeScript has no DOM types).
  const result = await page.evaluate<{ passed: number; violations: AxeViolation[] }>(`axe.run(document).then((result) => ({
    passed: result.passes.length,
    violations: result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })),
  }))`);
  // A run that checked nothing would pass every page: make sure the rules ran.
  if (result.passed === 0) throw new Error(`axe-core checked nothing on ${page.url()}`);
  return result.violations;
}
