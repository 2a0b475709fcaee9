import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isDomainName } from '../../core/domain-name.ts';
import { LanyardError } from '../../core/errors.ts';
import { findDnsZoneOwner, listDnsZoneOwners, releaseDnsZone } from '../data/dns-zone-owners.ts';
import { findCustomerById } from '../data/customers.ts';
import { canonicalName } from '../dns/dns-provider.ts';

/**
 * The operator's view of who owns each hosted DNS zone (csp/domains/hosted-zone-access.ts), and the
 * way out when a claim is wrong or outlived its customer's domain: `release` forgets the owner, and
 * the next trusted write (a partner admin's, the CLI's) claims the zone again. Nothing in the zone
 * itself changes.
 */
export const dnsZoneCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'dns', 'zone', 'list'],
    positionals: [],
    summary: 'csp dns zone list',
    async run({ context }) {
      const claims = await Promise.all((await listDnsZoneOwners(context.db)).map(async (claim) => ({ ...claim, customer: (await findCustomerById(context.db, claim.customerId))?.domain ?? null })));
      const text = claims.length
        ? table(['ZONE', 'CUSTOMER', 'CLAIMED BY', 'CLAIMED AT'], claims.map((claim) => [claim.zone, claim.customer ?? claim.customerId, claim.claimedBy, claim.claimedAt]))
        : 'no hosted zone is claimed yet; the first write of a partner admin or the CLI into a zone claims it for its customer';
      return { json: claims, text };
    },
  },
  {
    words: ['csp', 'dns', 'zone', 'release'],
    positionals: ['zone'],
    summary: 'csp dns zone release <zone>',
    async run({ args, context }) {
      const zone = canonicalName(args.zone!);
      if (!isDomainName(zone)) throw new LanyardError('DOMAIN_NAME_INVALID', `${args.zone} is not a DNS zone name`, { zone: args.zone });
      const claim = await findDnsZoneOwner(context.db, zone);
      if (!claim || !(await releaseDnsZone(context.db, zone))) {
        throw new LanyardError('CSP_DNS_ZONE_NOT_CLAIMED', `no customer owns the zone ${zone} in Lanyard; see \`lanyard csp dns zone list\``, { zone });
      }
      await recordAuditEvent(context.db, { actor: 'cli', action: 'csp.dns.zone.release', target: zone, outcome: 'success', details: { customerId: claim.customerId, claimedBy: claim.claimedBy } }, systemClock.now());
      return { json: { zone, released: true }, text: `released ${zone}: no customer owns it now; the next write of a partner admin or the CLI for a domain in it claims it again` };
    },
  },
];
