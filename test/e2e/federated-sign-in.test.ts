import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FederationProtocol, MfaBehavior } from '../../idp/federation/graph-federation-body.ts';
import { launchChromium, newPage, signInThroughBrowser } from './browser.ts';
import { setUpFederatedDomain, startFederationStack, type FederationStack } from './federation-stack.ts';

/**
 * The whole journey in Chromium: Microsoft's sign-in page (the emulator), the user's UPN, home-realm
 * discovery sends the browser to Lanyard, password, TOTP, the signed token back to login.srf, signed in
 * with MFA satisfied by Lanyard. For WS-Federation and SAML 2.0, with enforceMfaByFederatedIdp and
 * acceptIfMfaDoneByFederatedIdp. The domain is federated by Lanyard itself (tenant connect + federate).
 */
let stack: FederationStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startFederationStack(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe.each<[FederationProtocol, MfaBehavior]>([
  ['wsfed', 'enforce'],
  ['wsfed', 'accept'],
  ['saml', 'enforce'],
  ['saml', 'accept'],
])('%s with MFA %s', (protocol, mfaBehavior) => {
  it('signs alice in at Microsoft 365 with MFA satisfied by Lanyard', async () => {
    const slug = `${protocol}${mfaBehavior}`;
    const federated = await setUpFederatedDomain(stack, { slug, protocol, mfaBehavior, users: ['alice'] });
    const alice = federated.users.alice!;
    const page = await newPage(browser);
    const outcome = await signInThroughBrowser(page, {
      emulatorUrl: stack.emulator.baseUrl,
      lanyardUrl: stack.lanyard.url,
      upn: alice.upn,
      totpSecret: alice.totpSecret,
      ...(mfaBehavior === 'enforce' ? { screenshots: protocol } : {}),
    });
    expect(outcome).toEqual({ signedInUpn: alice.upn, mfaSatisfied: 'true', protocol: protocol === 'wsfed' ? 'wsFed' : 'saml' });
    const signIns = stack.emulator.state.signIns.filter((signIn) => signIn.userPrincipalName === alice.upn);
    expect(signIns).toHaveLength(1);
    expect(signIns[0]).toMatchObject({ issuer: `${stack.lanyard.url}/federation/${federated.domain}`, mfaSatisfiedByFederatedIdp: true });
    await page.context().close();
  });
});

describe('a subdomain that follows the federated root domain', () => {
  it('signs dana@sales.<domain> in through the root domain\'s federation, with the root\'s issuer', async () => {
    const federated = await setUpFederatedDomain(stack, { slug: 'subdomains', protocol: 'wsfed', mfaBehavior: 'enforce', users: ['dana@sales'] });
    const dana = federated.users['dana@sales']!;
    expect(dana.upn).toBe(`dana@sales.${federated.domain}`);
    const page = await newPage(browser);
    const outcome = await signInThroughBrowser(page, { emulatorUrl: stack.emulator.baseUrl, lanyardUrl: stack.lanyard.url, upn: dana.upn, totpSecret: dana.totpSecret });
    expect(outcome).toEqual({ signedInUpn: dana.upn, mfaSatisfied: 'true', protocol: 'wsFed' });
    const [signIn] = stack.emulator.state.signIns.filter((entry) => entry.userPrincipalName === dana.upn);
    expect(signIn).toMatchObject({ issuer: `${stack.lanyard.url}/federation/${federated.domain}` });
    await page.context().close();
  });
});
