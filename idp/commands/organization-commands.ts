import { LanyardError } from '../../core/errors.ts';
import { createOrganization, removeOrganization, requireOrganization, setOrganizationMfaPolicy } from '../accounts/organizations.ts';
import { addDomain, changeDomainSettings, removeDomain, setDomainIssuer } from '../accounts/domains.ts';
import { issuerWarnings } from '../accounts/issuer.ts';
import { listDomains } from '../../core/db/domains.ts';
import { listOrganizations } from '../../core/db/organizations.ts';
import type { Domain } from '../../core/db/schema.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';

const domainJson = (domain: Domain) => ({
  name: domain.name,
  issuerUri: domain.issuerUri,
  protocol: domain.protocol,
  mfaBehavior: domain.mfaBehavior,
  requireSignedRequests: domain.requireSignedRequests === 1,
});

export const organizationCommands: readonly CommandDefinition[] = [
  {
    words: ['org', 'create'],
    positionals: ['slug'],
    options: { name: { type: 'string' }, 'mfa-policy': { type: 'string', choices: ['required', 'optional'] } },
    summary: 'org create <slug> --name <name> [--mfa-policy required|optional]',
    async run({ args, options, context }) {
      const organization = await createOrganization(
        context.db,
        { slug: args.slug!, name: String(options.name ?? args.slug), mfaPolicy: options['mfa-policy'] as 'required' | 'optional' | undefined },
        'cli',
      );
      return { json: organization, text: `created organization ${organization.slug} (${organization.name}), TOTP ${organization.mfaPolicy}` };
    },
  },
  {
    words: ['org', 'list'],
    positionals: [],
    summary: 'org list',
    async run({ context }) {
      const organizations = await listOrganizations(context.db);
      return { json: organizations, text: table(['SLUG', 'NAME', 'TOTP'], organizations.map((o) => [o.slug, o.name, o.mfaPolicy])) };
    },
  },
  {
    words: ['org', 'remove'],
    positionals: ['slug'],
    summary: 'org remove <slug>   (refused while it has domains or accounts; its agents, tenant connection, runs and API tokens go with it)',
    async run({ args, context }) {
      const organization = await removeOrganization(context.db, args.slug!, 'cli');
      return { json: { slug: organization.slug, removed: true }, text: `removed organization ${organization.slug}` };
    },
  },
  {
    words: ['org', 'set-mfa-policy'],
    positionals: ['slug', 'policy'],
    summary: 'org set-mfa-policy <slug> required|optional',
    async run({ args, context }) {
      if (args.policy !== 'required' && args.policy !== 'optional') throw new LanyardError('USAGE', 'policy must be "required" or "optional"');
      const organization = await setOrganizationMfaPolicy(context.db, args.slug!, args.policy, 'cli');
      return { json: organization, text: `TOTP is now ${organization.mfaPolicy} for ${organization.slug}` };
    },
  },
  {
    words: ['domain', 'add'],
    positionals: ['org', 'domain'],
    summary: 'domain add <org> <domain>   (fixes the issuer from LANYARD_PUBLIC_URL)',
    async run({ args, context }) {
      const domain = await addDomain(context.db, context.config.publicUrl, { organization: args.org!, name: args.domain! }, 'cli');
      const others = (await listDomains(context.db)).filter((other) => other.id !== domain.id);
      const warnings = issuerWarnings(context.config.publicUrl, domain, others);
      return {
        json: { ...domainJson(domain), warnings },
        text: [`added ${domain.name}; issuer ${domain.issuerUri}`, ...warnings.map((warning) => `warning: ${warning}`)].join('\n'),
      };
    },
  },
  {
    words: ['domain', 'remove'],
    positionals: ['domain'],
    summary: 'domain remove <domain>   (refused while federated or while accounts sign in through it)',
    async run({ args, context }) {
      const domain = await removeDomain(context.db, args.domain!, 'cli');
      return { json: { name: domain.name, removed: true }, text: `removed ${domain.name}` };
    },
  },
  {
    words: ['domain', 'set-issuer'],
    positionals: ['domain', 'issuer'],
    summary: 'domain set-issuer <domain> <issuer-uri>   (refused while federated: unfederate, set, federate again)',
    async run({ args, context }) {
      const domain = await setDomainIssuer(context.db, args.domain!, args.issuer!, 'cli');
      return { json: domainJson(domain), text: `${domain.name}: issuer ${domain.issuerUri}` };
    },
  },
  {
    words: ['domain', 'list'],
    positionals: [],
    options: { org: { type: 'string' } },
    summary: 'domain list [--org <org>]',
    async run({ options, context }) {
      const organizationId = typeof options.org === 'string' ? (await requireOrganization(context.db, options.org)).id : undefined;
      const domains = await listDomains(context.db, organizationId);
      return {
        json: domains.map(domainJson),
        text: table(['DOMAIN', 'PROTOCOL', 'MFA', 'ISSUER'], domains.map((d) => [d.name, d.protocol, d.mfaBehavior, d.issuerUri])),
      };
    },
  },
  {
    words: ['domain', 'set'],
    positionals: ['domain'],
    options: {
      protocol: { type: 'string', choices: ['wsfed', 'saml'] },
      mfa: { type: 'string', choices: ['enforce', 'accept', 'reject'] },
      'require-signed-requests': { type: 'string', choices: ['true', 'false'] },
    },
    summary: 'domain set <domain> [--protocol wsfed|saml] [--mfa enforce|accept|reject] [--require-signed-requests true|false]',
    async run({ args, options, context }) {
      const domain = await changeDomainSettings(
        context.db,
        args.domain!,
        {
          protocol: options.protocol as Domain['protocol'] | undefined,
          mfaBehavior: options.mfa as Domain['mfaBehavior'] | undefined,
          requireSignedRequests: options['require-signed-requests'] === undefined ? undefined : options['require-signed-requests'] === 'true',
        },
        'cli',
      );
      return { json: domainJson(domain), text: `${domain.name}: ${domain.protocol}, MFA ${domain.mfaBehavior}, signed requests ${domain.requireSignedRequests ? 'required' : 'optional'}` };
    },
  },
];
