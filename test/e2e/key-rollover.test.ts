import { idpDeps } from '../../idp/module.ts';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSigningKeys } from '../../core/db/signing-keys.ts';
import { runCli } from '../harness/cli.ts';
import { launchChromium, newPage, signInThroughBrowser } from './browser.ts';
import { setUpFederatedDomain, startFederationStack, type FederatedDomain, type FederationStack } from './federation-stack.ts';

/**
 * Signing-key rollover on a federated domain with people signing in throughout. `lanyard keys rotate`
 * (the real CLI) pushes to Microsoft, before each local switch, the certificate pair the step ends in:
 * create-next → {old, new}, activate → {new, old}, retire-previous → {new}. Entra trusts both
 * certificates of a pair, so no sign-in fails: before, between the steps, one started before
 * activation and finished after it, and after. A push Microsoft refuses stops the step.
 */
let stack: FederationStack;
let browser: Browser;
let federated: FederatedDomain;
let signInNumber = 0;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startFederationStack(), launchChromium()]);
  federated = await setUpFederatedDomain(stack, { slug: 'rollover', protocol: 'wsfed', mfaBehavior: 'enforce', users: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'] });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const rotate = (...flags: string[]) => runCli(['keys', 'rotate', ...flags, '--json'], { ...stack.lanyard.env, NODE_EXTRA_CA_CERTS: stack.emulator.caCertPath });

/** A new person (each TOTP step is accepted once per credential) signs in through Chromium. */
async function signIn(beforeSubmit?: () => Promise<void>) {
  signInNumber += 1;
  const user = federated.users[`u${signInNumber}`]!;
  const page = await newPage(browser);
  const outcome = await signInThroughBrowser(page, {
    emulatorUrl: stack.emulator.baseUrl, lanyardUrl: stack.lanyard.url, upn: user.upn, totpSecret: user.totpSecret, ...(beforeSubmit ? { beforeSubmit } : {}),
  });
  await page.context().close();
  expect(outcome).toMatchObject({ signedInUpn: user.upn, mfaSatisfied: 'true' });
}

async function trustedAtMicrosoft() {
  const configuration = stack.emulator.state.findDomain(federated.domain)!.domain.federationConfiguration!;
  return { signing: configuration.signingCertificate, next: configuration.nextSigningCertificate };
}

async function keysByState() {
  const keys = await listSigningKeys(stack.lanyard.context.db, { includeRetired: true });
  return Object.fromEntries(keys.map((key) => [key.state, key.certificate]));
}

describe('lanyard keys rotate on a federated domain', () => {
  it('a refused push stops the step before anything changes locally', async () => {
    await signIn();
    const before = await keysByState();
    // Every PATCH of the federation configuration fails until the faults are cleared.
    await fetch(`${stack.emulator.baseUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pathPattern: '^/v1\\.0/domains/[^/]+/federationConfiguration/', method: 'PATCH', status: 503, count: 1000, retryAfterSeconds: 0 }),
    });
    const failed = await rotate();
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stderr).error.code).toBe('CERTIFICATE_PUSH_FAILED');
    expect(await keysByState()).toEqual(before);
    expect(await trustedAtMicrosoft()).toEqual({ signing: before.current, next: null });
    await fetch(`${stack.emulator.baseUrl}/_emulator/faults`, { method: 'DELETE' });
  });

  it('keeps every sign-in working before, during and after the rollover', async () => {
    const old = (await keysByState()).current!;

    const created = await rotate();
    expect(created.json()).toMatchObject({ step: 'create-next', federatedDomains: [{ domain: federated.domain, outcome: 'updated' }] });
    const next = (await keysByState()).next!;
    expect(await trustedAtMicrosoft()).toEqual({ signing: old, next });
    await signIn();

    // A sign-in in progress while the next key is activated: the token is signed after the switch.
    await signIn(async () => {
      const activated = await rotate();
      expect(activated.json()).toMatchObject({ step: 'activate' });
      expect(await trustedAtMicrosoft()).toEqual({ signing: next, next: old });
    });
    await signIn();

    // Retiring is refused until every node's key cache (30 s) has expired since the activation.
    const tooSoon = await rotate();
    expect(JSON.parse(tooSoon.stderr).error.code).toBe('KEY_ROTATION_TOO_SOON');
    // The wait is simulated: the one serving node's cache is dropped, and --force skips the wait.
    idpDeps(stack.lanyard.server.host).keys.invalidate();
    const retired = await rotate('--force');
    expect(retired.json()).toMatchObject({ step: 'retire-previous' });
    expect(await trustedAtMicrosoft()).toEqual({ signing: next, next: null });
    await signIn();
    expect(await keysByState()).toMatchObject({ current: next, retired: old });
  });
});
