import { LanyardError } from '../../core/errors.ts';
import type { FederationProtocol, MfaBehavior } from '../../idp/federation/graph-federation-body.ts';
import { federateDomain, formatChecks } from '../federation/federate.ts';
import { unfederateDomain } from '../federation/unfederate.ts';
import { connectTenant } from '../tenant/tenant-connection.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export const tenantCommands: readonly CommandDefinition[] = [
  {
    words: ['tenant', 'connect'],
    positionals: ['org'],
    options: { 'tenant-id': { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret-stdin': { type: 'boolean' } },
    summary: 'tenant connect <org> --tenant-id <id> --client-id <id> --client-secret-stdin',
    async run({ args, options, context, readSecret }) {
      if (typeof options['tenant-id'] !== 'string' || typeof options['client-id'] !== 'string' || options['client-secret-stdin'] !== true) {
        throw new LanyardError('USAGE', 'usage: lanyard tenant connect <org> --tenant-id <id> --client-id <id> --client-secret-stdin (the secret is read from standard input)');
      }
      const report = await connectTenant(
        context,
        { organization: args.org!, tenantId: options['tenant-id'], clientId: options['client-id'], clientSecret: await readSecret() },
        'cli',
      );
      const text = [
        `connected ${report.organization} to tenant ${report.tenantId} as app ${report.clientId}; the tenant's domains:`,
        table(['DOMAIN', 'AUTHENTICATION', 'VERIFIED', 'DEFAULT', 'INITIAL'], report.domains.map((d) => [d.id, d.authenticationType, yesNo(d.isVerified), yesNo(d.isDefault), yesNo(d.isInitial)])),
      ].join('\n');
      return { json: report, text };
    },
  },
  {
    words: ['federate'],
    positionals: ['domain'],
    options: { protocol: { type: 'string', choices: ['wsfed', 'saml'] }, mfa: { type: 'string', choices: ['enforce', 'accept', 'reject'] }, 'dry-run': { type: 'boolean' } },
    summary: 'federate <domain> [--protocol wsfed|saml] [--mfa enforce|accept|reject] [--dry-run]',
    async run({ args, options, context, services }) {
      const report = await federateDomain(
        { ...context, delegatedAccess: services.delegatedTenantAccess },
        {
          domain: args.domain!,
          ...(options.protocol ? { protocol: options.protocol as FederationProtocol } : {}),
          ...(options.mfa ? { mfaBehavior: options.mfa as MfaBehavior } : {}),
          dryRun: options['dry-run'] === true,
        },
        'cli',
      );
      const verb = report.action === 'create' ? 'POST' : 'PATCH';
      const text = [
        `pre-flight checks for ${report.domain} (tenant ${report.tenantId}):`,
        formatChecks(report.checks),
        report.dryRun
          ? `dry run: nothing was written. Without --dry-run, Lanyard would ${verb} this federation configuration:\n${JSON.stringify(report.body, null, 2)}`
          : `${report.domain} is federated to Lanyard (${report.action === 'create' ? 'created' : 'updated'}; ${report.protocol === 'wsfed' ? 'WS-Federation' : 'SAML 2.0'}, MFA ${report.mfaBehavior}); Microsoft shows it as ${report.result?.authenticationType}.`,
      ].join('\n');
      return { json: report, text };
    },
  },
  {
    words: ['unfederate'],
    positionals: ['domain'],
    options: { 'dry-run': { type: 'boolean' } },
    summary: 'unfederate <domain> [--dry-run]',
    async run({ args, options, context, services }) {
      const report = await unfederateDomain({ ...context, delegatedAccess: services.delegatedTenantAccess }, { domain: args.domain!, dryRun: options['dry-run'] === true }, 'cli');
      const headline =
        report.action === 'none'
          ? `${report.domain} is already managed by Microsoft; nothing to do.`
          : report.dryRun
            ? `dry run: ${report.domain} is federated; without --dry-run Lanyard would convert it to Managed.`
            : `${report.domain} is now Managed: Microsoft signs its users in again.`;
      return { json: report, text: [headline, ...report.warnings.map((warning) => `warning: ${warning}`)].join('\n') };
    },
  },
];
