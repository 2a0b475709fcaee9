import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.ts';
import { launchChromium, newPage, signInThroughBrowser } from './browser.ts';

/**
 * README.md's "A first sign-in in five minutes" works as written and ends with a person signed
 * in. The fenced block is taken from the README itself, so the test breaks when the README
 * drifts, and run by bash in a fresh copy of the repository (the top-level entries symlinked,
 * `./data` its own), with no LANYARD_* settings but the block's. Only its two port numbers are
 * replaced by free ones, since other tests on this machine may hold 8443 or 9443. Then Chromium
 * does what the prose after the block says: the sign-in URL, Alice's UPN, her password and a code
 * from the TOTP secret the block printed, ending on the emulator's signed-in page with MFA.
 */
const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const section = /^## A first sign-in in five minutes\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

/** A value the block itself holds, so the sign-in uses exactly what the README tells a person. */
function fromBlock(pattern: RegExp, what: string): string {
  const found = pattern.exec(block)?.[1];
  if (!found) throw new Error(`README first sign-in block: no ${what}`);
  return found;
}

let copy: string;
let script: ChildProcess | undefined;
let output = '';
let browser: Browser;

beforeAll(async () => {
  copy = mkdtempSync(path.join(tmpdir(), 'lanyard-readme-'));
  for (const entry of readdirSync(root)) {
    if (entry === 'data' || entry === 'test-artifacts' || entry === '.git') continue;
    // dist/ is copied, not linked: the block's `npm start` builds again here, and through the
    // copy's paths tsc re-emits every file; written through a link, that rewrite would land in the
    // real dist/ while other test files run the compiled `lanyard` from it, half-written.
    if (entry === 'dist') cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
    else symlinkSync(path.join(root, entry), path.join(copy, entry));
  }
  browser = await launchChromium();
});

afterAll(async () => {
  // The block leaves the emulator and Lanyard running in the background, in bash's process group.
  if (script?.pid) {
    try {
      process.kill(-script.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  await browser?.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
  rmSync(copy, { recursive: true, force: true });
});

describe("README's first sign-in", () => {
  it('runs as written and ends with Alice signed in to Microsoft 365 with MFA from Lanyard', { timeout: 300_000 }, async () => {
    expect(block).toContain('npm start &');
    const [emulatorPort, lanyardPort] = [String(await freePort()), String(await freePort())];
    const commands = block.replaceAll('8443', emulatorPort).replaceAll('9443', lanyardPort);
    const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LANYARD_') && name !== 'PORT' && name !== 'NODE_EXTRA_CA_CERTS'));

    const exitCode = await new Promise<number>((resolve, reject) => {
      script = spawn('bash', ['-e', '-c', commands], { cwd: copy, env: environment, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      script.stdout!.on('data', (chunk) => (output += chunk));
      script.stderr!.on('data', (chunk) => (output += chunk));
      script.on('error', reject);
      // 'exit', not 'close': the servers started in the background keep the pipes open.
      script.on('exit', (code) => resolve(code ?? -1));
    });
    expect(exitCode, output).toBe(0);
    expect(output).toContain('is federated to Lanyard');

    const lanyardUrl = `https://127.0.0.1:${lanyardPort}`;
    await waitUntilReady(`${lanyardUrl}/readyz`);
    const signInUrl = fromBlock(/then sign in at (https:\/\/\S+\/signin)/, 'sign-in URL').replace('8443', emulatorPort);
    const outcome = await signInThroughBrowser(await newPage(browser), {
      emulatorUrl: signInUrl.replace(/\/signin$/, ''),
      lanyardUrl,
      upn: fromBlock(/npx lanyard user mfa enroll (\S+)/, 'enrolled user'),
      password: fromBlock(/printf %s '([^']+)' \| npx lanyard user add/, 'password'),
      totpSecret: /^secret: ([A-Z2-7]+)$/m.exec(output)?.[1] ?? '',
      screenshots: 'readme',
    });
    expect(outcome, output).toMatchObject({ signedInUpn: 'alice@contoso.com', mfaSatisfied: 'true', protocol: 'wsFed' });
  });
});

/** Polls Lanyard's /readyz (its certificate is the block's self-signed one) until it answers 200. */
async function waitUntilReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const status = await new Promise<number>((resolve) => {
      https.get(url, { rejectUnauthorized: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', () => resolve(0));
    });
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`Lanyard did not become ready at ${url}:\n${output}`);
}
