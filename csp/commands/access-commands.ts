import { systemClock } from '../../core/clock.ts';
import type { CommandDefinition } from '../../core/commands.ts';
import type { AppContext } from '../../core/context.ts';
import { LanyardError } from '../../core/errors.ts';
import { checkCustomerAccess, customerAccessStatus, inviteCustomerAdmin, type AccessDeps } from '../access/customer-access-admin.ts';
import { startTenantConsent } from '../access/tenant-consent.ts';

const deps = (context: AppContext): AccessDeps => ({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config });

/** `csp customer access <customer> …`: Lanyard's access to one customer's tenant (GDAP consent, validation, refresh). */
export const accessCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'customer', 'access'],
    positionals: ['customer', 'action'],
    options: { to: { type: 'string' } },
    summary: 'csp customer access <customer> status|consent-link|invite [--to <e-mail>]|validate|refresh',
    async run({ args, options, context }) {
      const customer = args.customer!;
      switch (args.action) {
        case 'status': {
          const status = await customerAccessStatus(deps(context), customer);
          const lines = [
            `${status.customer} (tenant ${status.tenantId}) through ${status.partner}: ${status.relationship ?? 'relationship not checked yet (run `lanyard csp sync`)'}`,
            ...(status.gdap ? [`  GDAP ${status.gdap.id} ${status.gdap.status}, ends ${status.gdap.endsAt ?? '?'}; missing roles: ${status.gdap.missingRoles.join(', ') || 'none'}`] : []),
            `  tenant admin consent: ${status.consent.state}${status.consent.at ? ` (${status.consent.at})` : ''}${status.consent.error ? `: ${status.consent.error}` : ''}`,
            `  roles a GDAP relationship needs: ${status.requiredRoles.map((role) => `${role.name} (${role.why})`).join('; ')}`,
            ...status.errors.map((error) => `  sync ${error.step}: ${error.code} ×${error.count}${error.remediation ? ` — ${error.remediation}` : ''}`),
          ];
          return { json: status, text: lines.join('\n') };
        }
        case 'consent-link': {
          const link = await startTenantConsent(deps(context), customer, 'cli');
          return { json: link, text: `an administrator of ${link.customer}'s tenant opens, once, before ${link.expiresAt}:\n${link.url}` };
        }
        case 'invite': {
          const sent = await inviteCustomerAdmin(deps(context), customer, typeof options.to === 'string' ? options.to : undefined, 'cli');
          return { json: sent, text: `mailed the consent link for ${sent.customer} to ${sent.mailedTo} (valid until ${sent.expiresAt})` };
        }
        case 'validate':
        case 'refresh': {
          const result = await checkCustomerAccess(deps(context), customer, { validate: args.action === 'validate' }, 'cli');
          return { json: result, text: result.ok ? `${result.customer}: ${args.action === 'validate' ? 'authentication works (token and Graph)' : 'token refreshed'}` : `${result.customer}: ${result.step} refused, ${result.code}: ${result.message}${result.remediation ? `\nfix: ${result.remediation}` : ''}` };
        }
        default:
          throw new LanyardError('USAGE', 'usage: lanyard csp customer access <customer> status|consent-link|invite [--to <e-mail>]|validate|refresh', { action: args.action ?? null });
      }
    },
  },
];
