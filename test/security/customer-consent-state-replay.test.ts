/**
 * Threat: a customer admin's consent callback replayed or spliced. An attacker who sees one callback
 * URL (browser history, a proxy log: `code` and `state`) sends it again to make Lanyard store a token
 * again or overwrite the customer's token; or holds an older attempt's `state` (the admin opened the
 * wizard twice) and pairs it with a code of their own sign-in; or forges a state.
 * Invariant: each attempt's state is stored only as its SHA-256, taken once by compare-and-set, dies
 * when a later visit starts a new attempt and after 10 minutes; the code is redeemed with that
 * attempt's own PKCE verifier, so a code from another attempt is refused by Entra (AADSTS501481).
 * Nothing is stored by a refused callback, and the customer's token is left as it was.
 * Why this way: real HTTP to a served Lanyard and the emulator's Entra, whose token endpoint checks
 * PKCE as Entra does; the stored token is compared before and after each attack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { createConsentInvitation } from '../../csp/access/customer-consent.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findCustomerToken } from '../../csp/data/customer-tokens.ts';
import { findCustomerByRef } from '../../csp/data/customers.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { startCspWorld, type CspWorld } from '../csp/csp-harness.ts';
import { allowCustomerConsentRedirect, openPage, signInThroughWizard } from '../csp/customer-consent-driver.ts';
import { customerTenant } from '../csp/customer-tenants.ts';

describe('customer consent: replayed, superseded and spliced states are refused', () => {
  let world: CspWorld;
  let tenant: Tenant;
  const deps = () => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: systemClock, config: world.lanyard.context.config });
  const stored = async () => (await findCustomerToken(world.lanyard.context.db, (await findCustomerByRef(world.lanyard.context.db, 'replay.onmicrosoft.com'))!.id))?.refreshTokenHash ?? null;
  const signIn = (url: string) => signInThroughWizard(world, url, { tenant, login: 'admin@replay.onmicrosoft.com' });

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    allowCustomerConsentRedirect(world);
    tenant = customerTenant(world, 'replay', { scopes: [] });
    await importCustomers({ ...deps(), config: world.lanyard.context.config }, world.partnerSlug, { dryRun: false }, 'test');
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('a replayed callback stores nothing and leaves the token alone', async () => {
    const { url } = await createConsentInvitation(deps(), 'replay.onmicrosoft.com', 'test');
    const location = await signIn(url);
    expect((await openPage(location)).status).toBe(200);
    const token = await stored();
    expect(token).toBeTruthy();
    const replay = await openPage(location);
    expect(replay).toMatchObject({ status: 400, code: 'CSP_CONSENT_INVALID' });
    expect(await stored()).toBe(token);
  });

  it("an earlier attempt's state is dead once the wizard is opened again, and a forged state is refused", async () => {
    const { url } = await createConsentInvitation(deps(), 'replay.onmicrosoft.com', 'test');
    const first = new URL(await signIn(url));
    const second = new URL(await signIn(url));
    const before = await stored();
    expect((await openPage(first.toString())).code).toBe('CSP_CONSENT_INVALID');
    const forged = new URL(second);
    forged.searchParams.set('state', `${second.searchParams.get('state')}x`);
    expect((await openPage(forged.toString())).code).toBe('CSP_CONSENT_INVALID');
    expect(await stored()).toBe(before);
    expect((await openPage(second.toString())).status).toBe(200);
  });

  it("a code paired with another attempt's state fails PKCE at Entra: nothing stored", async () => {
    const victim = await createConsentInvitation(deps(), 'replay.onmicrosoft.com', 'test');
    const attacker = await createConsentInvitation(deps(), 'replay.onmicrosoft.com', 'test');
    const victimBack = new URL(await signIn(victim.url));
    const attackerBack = new URL(await signIn(attacker.url));
    const before = await stored();
    const spliced = new URL(victimBack);
    spliced.searchParams.set('code', attackerBack.searchParams.get('code')!);
    const page = await openPage(spliced.toString());
    expect(page).toMatchObject({ status: 502, code: 'CSP_TOKEN_REFUSED' });
    expect(page.html).toContain('AADSTS501481');
    expect(await stored()).toBe(before);
    // The victim's attempt was taken by the spliced callback: it cannot be used a second time either.
    expect((await openPage(victimBack.toString())).code).toBe('CSP_CONSENT_INVALID');
  });
});
