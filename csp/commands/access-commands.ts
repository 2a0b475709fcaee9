import { systemClock } from '../../core/clock.ts';
import type { CommandDefinition } from '../../core/commands.ts';
import type { AppContext } from '../../core/context.ts';
import { LanyardError } from '../../core/errors.ts';
import { checkCustomerAccess, customerAccessStatus, inviteCustomerAdmin, removeCustomerToken, type AccessDeps } from '../access/customer-access-admin.ts';
import { createConsentInvitation } from '../access/customer-consent.ts';
import { startTenantConsent } from '../access/tenant-consent.ts';

const deps = (context: AppContext): AccessDeps => ({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config });

/** `csp customer access <customer> …`: Lanyard's access to one customer's tenant (GDAP consent, validation, refresh). */
export const accessCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'customer', 'access'],
    positionals: ['customer', 'action'],
    options: { to: { type: 'string' }, wizard: { type: 'boolean' } },
    summary: 'csp customer access <customer> status|consent-link [--wizard]|invite [--to <e-mail>]|validate|refresh|remove-token',
    async run({ args, options, context }) {
      const customer = args.customer!;
      switch (args.action) {
        case 'status': {
          const status = await customerAccessStatus(deps(context), customer);
          const lines = [
            `${status.customer} (tenant ${status.tenantId}) through ${status.partner}: ${status.relationship ?? 'relationship not checked yet (run `lanyard csp sync`)'}`,
            ...(status.gdap ? [`  GDAP ${status.gdap.id} ${status.gdap.status}, ends ${status.gdap.endsAt ?? '?'}; missing roles: ${status.gdap.missingRoles.join(', ') || 'none'}`] : []),
            `  token: ${status.tokenSource === 'customer' ? `the customer's own (${status.token.storage}), ${status.token.state}` : `the partner's (own token: ${status.token.state})`}${status.token.code ? ` ${status.token.code}` : ''}: ${status.token.explanation}${status.token.remediation ? ` — ${status.token.remediation}` : ''}`,
            `  tenant admin consent: ${status.consent.state}${status.consent.at ? ` (${status.consent.at})` : ''}${status.consent.error ? `: ${status.consent.error}` : ''}`,
            `  roles a GDAP relationship needs: ${status.requiredRoles.map((role) => `${role.name} (${role.why})`).join('; ')}`,
            ...status.errors.map((error) => `  sync ${error.step}: ${error.code} ×${error.count}${error.remediation ? ` — ${error.remediation}` : ''}`),
          ];
          return { json: status, text: lines.join('\n') };
        }
        case 'consent-link': {
          if (options.wizard === true) {
            const invitation = await createConsentInvitation(deps(context), customer, 'cli');
            return { json: invitation, text: `an administrator of ${invitation.customer}'s tenant opens Lanyard's consent wizard before ${invitation.expiresAt}:\n${invitation.url}` };
          }
          const link = await startTenantConsent(deps(context), customer, 'cli');
          return { json: link, text: `an administrator of ${link.customer}'s tenant opens, once, before ${link.expiresAt}:\n${link.url}` };
        }
        case 'invite': {
          const sent = await inviteCustomerAdmin(deps(context), customer, typeof options.to === 'string' ? options.to : undefined, 'cli');
          return { json: sent, text: `mailed the consent wizard link for ${sent.customer} to ${sent.mailedTo} (valid until ${sent.expiresAt})` };
        }
        case 'validate':
        case 'refresh': {
          const result = await checkCustomerAccess(deps(context), customer, { validate: args.action === 'validate' }, 'cli');
          return { json: result, text: result.ok ? `${result.customer}: ${args.action === 'validate' ? 'authentication works (token and Graph)' : 'token refreshed'} with the ${result.tokenSource}'s token` : `${result.customer}: ${result.step} refused, ${result.code}: ${result.message}${result.remediation ? `\nfix: ${result.remediation}` : ''}` };
        }
        case 'remove-token': {
          const removed = await removeCustomerToken(deps(context), customer, 'cli');
          return { json: removed, text: `forgot ${removed.customer}'s own refresh token (${removed.storage}); its tenant is reached with the partner's token again${removed.leftBehind ? `\nthe Key Vault secret could not be deleted: ${removed.leftBehind}` : ''}` };
        }
        default:
          throw new LanyardError('USAGE', 'usage: lanyard csp customer access <customer> status|consent-link [--wizard]|invite [--to <e-mail>]|validate|refresh|remove-token', { action: args.action ?? null });
      }
    },
  },
];
