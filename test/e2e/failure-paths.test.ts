import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateBase64, createCertificate } from '../../emulator/tls/certificates.ts';
import { setUserEnabled } from '../../idp/accounts/users.ts';
import { launchChromium, newPage, signInThroughBrowser } from './browser.ts';
import { setUpFederatedDomain, startFederationStack, type FederatedDomain, type FederationStack } from './federation-stack.ts';

/**
 * What a person sees when federation is broken, end to end in Chromium: each fault gives Microsoft's
 * AADSTS code on its error page (or Lanyard's own error before a token is issued), and no sign-in is
 * recorded. Faults are made in the emulator's state or through its control API.
 */
let stack: FederationStack;
let browser: Browser;
let federated: FederatedDomain;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startFederationStack(), launchChromium()]);
  federated = await setUpFederatedDomain(stack, { slug: 'faults', protocol: 'wsfed', mfaBehavior: 'enforce', users: ['cert', 'anchor', 'disabled', 'slow'] });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function attempt(name: string, beforeSubmit?: () => Promise<void>) {
  const user = federated.users[name]!;
  const page = await newPage(browser);
  const outcome = await signInThroughBrowser(page, {
    emulatorUrl: stack.emulator.baseUrl, lanyardUrl: stack.lanyard.url, upn: user.upn, totpSecret: user.totpSecret, ...(beforeSubmit ? { beforeSubmit } : {}),
  });
  await page.context().close();
  expect(stack.emulator.state.signIns.filter((signIn) => signIn.userPrincipalName === user.upn)).toEqual([]);
  return outcome;
}

const tenantState = () => stack.emulator.state.findDomain(federated.domain)!;

describe('federated sign-in failures', () => {
  it('a signing certificate Microsoft does not trust: AADSTS50008', async () => {
    const configuration = tenantState().domain.federationConfiguration!;
    const trusted = configuration.signingCertificate;
    configuration.signingCertificate = certificateBase64((await createCertificate({ subject: 'CN=Somebody else' })).certificatePem);
    try {
      expect(await attempt('cert')).toEqual({ aadsts: 'AADSTS50008' });
    } finally {
      configuration.signingCertificate = trusted;
    }
  });

  it('an ImmutableID that does not match the tenant user: AADSTS51004', async () => {
    const tenantUser = [...tenantState().tenant.users.values()].find((user) => user.userPrincipalName === federated.users.anchor!.upn)!;
    tenantUser.onPremisesImmutableId = 'bm90LXRoZS1zYW1lLWFuY2hvcg==';
    expect(await attempt('anchor')).toEqual({ aadsts: 'AADSTS51004' });
  });

  it('a user disabled in Lanyard gets Lanyard\'s error and no token', async () => {
    await setUserEnabled(stack.lanyard.context.db, federated.users.disabled!.upn, false, 'test');
    const outcome = await attempt('disabled');
    expect(outcome.lanyardError).toMatch(/USER_DISABLED|disabled/);
  });

  it('a wctx that expired while the person typed: AADSTS90100', async () => {
    const outcome = await attempt('slow', async () => {
      await fetch(`${stack.emulator.baseUrl}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 660 }) });
    });
    expect(outcome).toEqual({ aadsts: 'AADSTS90100' });
  });
});
