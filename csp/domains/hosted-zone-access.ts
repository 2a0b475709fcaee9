import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { LanyardError } from '../../core/errors.ts';
import { claimDnsZone, listDnsZoneClaimsAround, releaseDnsZone } from '../data/dns-zone-owners.ts';
import { canonicalName } from '../dns/dns-provider.ts';
import type { DomainSetupDeps } from './domain-setup.ts';

/**
 * Who asks Lanyard to write a customer's DNS records: named in audit events, and whether it is
 * trusted for the partner's DNS, so its first write may claim a hosted zone nobody owns yet (the
 * operator and the CLI, a partner-admin: policy action `csp.dns.claim-zone`; never a reseller, never
 * the scheduled job).
 */
export interface DnsWriter {
  readonly actor: string;
  readonly mayClaimZone: boolean;
}

/** The CLI acts as the server's operator. */
export const cliDnsWriter: DnsWriter = { actor: 'cli', mayClaimZone: true };
/** The "verify and set up" job writes only into zones already owned by the domain's customer. */
export const jobDnsWriter: DnsWriter = { actor: 'job:csp.domain-setup', mayClaimZone: false };

/**
 * What Lanyard may do with the zone a domain lives in:
 * - `not-hosted`: no provider, or the provider hosts no zone for it: the records are shown;
 * - `writable`: the zone is the customer's (claimed now, when `claim` and the writer may);
 * - `unclaimed`: hosted but nobody owns it and this writer may not (or does not now) claim it: the
 *   records are shown, with `note` saying who can let Lanyard write it.
 */
export type HostedZoneAccess =
  | { readonly kind: 'not-hosted' }
  | { readonly kind: 'writable'; readonly zone: string }
  | { readonly kind: 'unclaimed'; readonly zone: string; readonly note: string };

export const unclaimedZoneNote = (zone: string) =>
  `Lanyard's DNS provider hosts the zone ${zone}, but Lanyard writes into it only for the customer that owns it, and no customer does yet. Add the records below by hand, or ask a partner admin to set up the records once: that claims the zone for this customer.`;

/**
 * The one rule every DNS writer passes through (add, verify, "set up records", the job): Lanyard
 * writes into a hosted zone only for the customer that owns it. The zone is the one the provider
 * reports as hosting the name (its most specific zone). A zone claimed by another customer, or one
 * around or inside it claimed by another customer, is CSP_DNS_ZONE_OWNED_ELSEWHERE (nothing about
 * that customer is said). An unowned zone is claimed by the first write of a writer trusted for it
 * (`claim`: the caller is about to write), audited as `csp.dns.zone.claim`.
 */
export async function hostedZoneAccess(
  deps: Pick<DomainSetupDeps, 'db' | 'clock' | 'dns'>,
  customerId: string,
  domain: string,
  writer: DnsWriter,
  options: { claim: boolean },
): Promise<HostedZoneAccess> {
  const found = deps.dns ? await deps.dns.hostsZoneFor(domain) : undefined;
  if (!found) return { kind: 'not-hosted' };
  const zone = canonicalName(found);
  const claims = await listDnsZoneClaimsAround(deps.db, zone);
  if (claims.some((claim) => claim.customerId !== customerId)) throw ownedElsewhere(zone, domain);
  if (claims.some((claim) => claim.zone === zone)) return { kind: 'writable', zone };
  if (!writer.mayClaimZone) return { kind: 'unclaimed', zone, note: unclaimedZoneNote(zone) };
  if (!options.claim) return { kind: 'writable', zone };
  const { owner, claimed } = await claimDnsZone(deps.db, { zone, customerId, claimedBy: writer.actor }, deps.clock.now());
  if (owner.customerId !== customerId) throw ownedElsewhere(zone, domain);
  // A claim around or inside this zone may have landed between the read and the claim: check again.
  if ((await listDnsZoneClaimsAround(deps.db, zone)).some((claim) => claim.customerId !== customerId)) {
    if (claimed) await releaseDnsZone(deps.db, zone);
    throw ownedElsewhere(zone, domain);
  }
  if (claimed) await recordAuditEvent(deps.db, { actor: writer.actor, action: 'csp.dns.zone.claim', target: zone, outcome: 'success', details: { customerId, domain } }, deps.clock.now());
  return { kind: 'writable', zone };
}

function ownedElsewhere(zone: string, domain: string): LanyardError {
  return new LanyardError(
    'CSP_DNS_ZONE_OWNED_ELSEWHERE',
    `the DNS zone ${zone} that Lanyard's DNS provider hosts for ${domain} belongs to another customer, so Lanyard writes nothing into it for this one; if that is wrong, the operator can see and release the claim with \`lanyard csp dns zone list\` and \`lanyard csp dns zone release ${zone}\``,
    { zone, domain },
  );
}
