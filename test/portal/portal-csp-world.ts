import type { Dialect } from '../../core/db/database.ts';
import { findPartnerBySlug, updatePartner } from '../../csp/data/partners.ts';
import { grantRole } from '../../portal/admins.ts';
import { shellOperator } from '../../portal/policy.ts';
import { startCspWorld, type CspWorld } from '../csp/csp-harness.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { seedOrganization, seedUser } from '../harness/seed.ts';
import { portalWorldOn, type PortalWorld } from './portal-world.ts';

/** Who is who in the portal's CSP tests. */
export const cspPeople = {
  operator: 'op@host.com',
  partnerAdmin: 'pat@host.com',
  /** Reseller r-1 of the partner. */
  reseller: 'rita@host.com',
  /** Reseller r-2 of the partner. */
  otherReseller: 'ron@host.com',
  orgAdmin: 'alice@host.com',
} as const;

export const resellers = { mine: '11111111-1111-4111-8111-111111111111', other: '22222222-2222-4222-8222-222222222222' } as const;

export interface PortalCspWorld extends PortalWorld {
  /** The emulator (Entra, Partner Center, Graph, Key Vault) and the consented partner `northwindcsp`. */
  readonly csp: CspWorld;
}

/**
 * The portal over the CSP world: the emulator with a partner `northwindcsp` consented in Lanyard
 * (refresh token stored), resellers r-1 and r-2, and one admin of each role that the CSP pages
 * concern (operator, partner-admin, a reseller of each id, and an org-admin of the organization
 * `host` who must see no CSP page). The portal runs on a manual clock; `env` is passed to Lanyard
 * (e.g. its DNS provider); `tls` serves it on HTTPS (needed to federate a domain).
 *
 * @example
 *   const world = await startPortalCspWorld('sqlite');
 *   const tenant = world.csp.seedCustomer('fabrikam');
 */
export async function startPortalCspWorld(dialect: Dialect, options: { env?: Record<string, string>; tls?: boolean } = {}): Promise<PortalCspWorld> {
  const clock = createManualClock(new Date());
  const csp = await startCspWorld(dialect, { clock, ...(options.env && { env: options.env }), ...(options.tls && { tls: true }) });
  const { lanyard } = csp;
  const context = lanyard.context;
  const partner = (await findPartnerBySlug(context.db, csp.partnerSlug))!;
  await updatePartner(context.db, partner.id, { resellerIds: JSON.stringify([resellers.mine, resellers.other]) });
  await seedOrganization(context, { slug: 'host' });
  const secrets: Record<string, string> = {};
  for (const upn of Object.values(cspPeople)) secrets[upn] = (await seedUser(context, upn)).totpSecret!;
  const now = clock.now();
  await grantRole(context.db, shellOperator, { upn: cspPeople.operator, role: 'operator' }, now);
  await grantRole(context.db, shellOperator, { upn: cspPeople.partnerAdmin, role: 'partner-admin', partner: csp.partnerSlug }, now);
  await grantRole(context.db, shellOperator, { upn: cspPeople.reseller, role: 'reseller', partner: csp.partnerSlug, reseller: resellers.mine }, now);
  await grantRole(context.db, shellOperator, { upn: cspPeople.otherReseller, role: 'reseller', partner: csp.partnerSlug, reseller: resellers.other }, now);
  await grantRole(context.db, shellOperator, { upn: cspPeople.orgAdmin, role: 'org-admin', organization: 'host' }, now);
  return { ...portalWorldOn(lanyard, clock, secrets, () => csp.stop()), csp };
}
