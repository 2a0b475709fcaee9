import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import type { Dialect } from '../../core/db/database.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { grantRole } from '../../portal/admins.ts';
import { shellOperator } from '../../portal/policy.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { startFederationStack, type FederationStack } from '../e2e/federation-stack.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { createManualClock, type ManualClock } from '../harness/manual-clock.ts';
import { seedOrganization, seedUser, testPassword } from '../harness/seed.ts';
import { generate } from 'otplib';
import { testPartner } from '../csp/partner-fixture.ts';

/** Who is who in the portal tests. */
export const people = {
  operator: 'op@host.com',
  orgAdmin: 'alice@contoso.com',
  contosoUser: 'bob@contoso.com',
  fabrikamAdmin: 'frank@fabrikam.com',
  fabrikamUser: 'fiona@fabrikam.com',
  tailspinUser: 'tim@tailspin.com',
  partnerAdmin: 'pat@host.com',
  reseller: 'rita@host.com',
  notAdmin: 'nora@host.com',
} as const;

export interface PortalWorld {
  readonly lanyard: RunningLanyard;
  /** With `{ emulator: true }`: the Entra/Graph emulator Lanyard talks to (Lanyard then serves HTTPS). */
  readonly stack?: FederationStack;
  readonly clock: ManualClock;
  readonly url: string;
  readonly secrets: Record<string, string>;
  userId(upn: string): Promise<string>;
  /** A TOTP code for `upn` that its credential has not used yet, at the portal clock or now. */
  code(upn: string, at?: Date): Promise<string>;
  /** Signs in through /admin/signin and the IdP's pages; returns the browser with its session. */
  signIn(upn: string, browser?: BrowserClient): Promise<BrowserClient>;
  /** Brings the manual clock to the wall clock (the IdP's sign-in steps run on the wall clock). */
  syncClock(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Lanyard with the portal on a manual clock, three organizations (contoso, fabrikam, tailspin, plus
 * host for the operator and partner people), a CSP partner `alpha` selling fabrikam through reseller
 * r-1 and tailspin through r-2, and one admin of each role.
 */
export async function startPortalWorld(dialect: Dialect, env: Record<string, string> = {}, options: { emulator?: boolean } = {}): Promise<PortalWorld> {
  const clock = createManualClock(new Date());
  const stack = options.emulator ? await startFederationStack({ dialect, env, clock }) : undefined;
  const lanyard = stack ? stack.lanyard : await startLanyard(dialect, env, { clock });
  const context = lanyard.context;
  const secrets: Record<string, string> = {};
  for (const slug of ['host', 'contoso', 'fabrikam', 'tailspin']) await seedOrganization(context, { slug });
  for (const upn of Object.values(people)) secrets[upn] = (await seedUser(context, upn)).totpSecret!;
  const partner = await insertPartner(context.db, testPartner('alpha', { isDefault: true, resellerIds: '["r-1","r-2"]' }));
  for (const [slug, resellerId, tenant] of [['fabrikam', 'r-1', '1'], ['tailspin', 'r-2', '2']] as const) {
    const organization = await findOrganizationBySlug(context.db, slug);
    await insertCustomer(context.db, { partnerId: partner!.id, tenantId: `33333333-3333-3333-3333-33333333333${tenant}`, domain: `${slug}.onmicrosoft.com`, companyName: slug, country: 'DE', email: null, resellerId, organizationId: organization!.id, source: 'created' });
  }
  const now = clock.now();
  await grantRole(context.db, shellOperator, { upn: people.operator, role: 'operator' }, now);
  await grantRole(context.db, shellOperator, { upn: people.orgAdmin, role: 'org-admin', organization: 'contoso' }, now);
  await grantRole(context.db, shellOperator, { upn: people.fabrikamAdmin, role: 'org-admin', organization: 'fabrikam' }, now);
  await grantRole(context.db, shellOperator, { upn: people.partnerAdmin, role: 'partner-admin', partner: 'alpha' }, now);
  await grantRole(context.db, shellOperator, { upn: people.reseller, role: 'reseller', partner: 'alpha', reseller: 'r-1' }, now);

  return portalWorldOn(lanyard, clock, secrets, () => (stack ? stack.close() : lanyard.stop()), stack);
}


/**
 * The portal side of a test world over a running Lanyard: sign-in through the real pages, TOTP codes
 * that are never reused, the manual clock brought to the wall clock. `secrets` holds each person's
 * TOTP secret by UPN.
 */
export function portalWorldOn(lanyard: RunningLanyard, clock: ManualClock, secrets: Record<string, string>, stop: () => Promise<void>, stack?: FederationStack): PortalWorld {
  const lastStep = new Map<string, number>();
  const context = lanyard.context;
  const world: PortalWorld = {
    lanyard,
    ...(stack && { stack }),
    clock,
    url: lanyard.url,
    secrets,
    async userId(upn) {
      return (await context.db.selectFrom('users').select('id').where('upn', '=', upn).executeTakeFirstOrThrow()).id;
    },
    async code(upn, at) {
      // Verification accepts ±1 step and each step once, in order: take the next step not used yet,
      // from the current one on (a code of the previous step may expire before a loaded machine
      // posts it), waiting for the wall clock when both are spent (a fixed `at` cannot wait).
      for (;;) {
        const current = Math.floor((at ?? new Date()).getTime() / 30_000);
        const step = Math.max(current, (lastStep.get(upn) ?? -Infinity) + 1);
        if (step <= current + 1) {
          lastStep.set(upn, step);
          return generate({ secret: secrets[upn]!, epoch: step * 30, period: 30 });
        }
        if (at) throw new Error(`every code of ${upn} around ${at.toISOString()} is spent`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    },
    async signIn(upn, browser = new BrowserClient()) {
      await world.syncClock();
      const start = await browser.follow(`${lanyard.url}/admin/signin`);
      const password = await browser.follow(`${lanyard.url}/admin/signin`, { form: { ...readForm(start.html).fields, username: upn } });
      const passwordForm = readForm(password.html);
      const totp = await browser.follow(new URL(passwordForm.action, password.url).toString(), { form: { ...passwordForm.fields, username: upn, password: testPassword } });
      const totpForm = readForm(totp.html);
      const ticketPage = await browser.follow(new URL(totpForm.action, totp.url).toString(), { form: { ...totpForm.fields, code: await world.code(upn) } });
      const ticket = readForm(ticketPage.html);
      if (!ticket.fields.ticket) throw new Error(`no portal ticket for ${upn} at ${ticketPage.url}:\n${ticketPage.html.slice(0, 1500)}`);
      const landed = await browser.follow(ticket.action, { form: ticket.fields });
      if (!landed.url.endsWith('/admin')) throw new Error(`portal sign-in of ${upn} ended at ${landed.url} (${landed.response.status}): ${/id="error-code">([^<]+)</.exec(landed.html)?.[1] ?? landed.html.slice(0, 1500)}`);
      return browser;
    },
    async syncClock() {
      const behind = Date.now() - clock.now().getTime();
      if (behind > 0) await clock.advance(behind);
    },
    stop,
  };
  return world;
}
