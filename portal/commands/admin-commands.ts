import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition, type CommandInput } from '../../core/commands.ts';
import { LanyardError } from '../../core/errors.ts';
import { grantRole, listAdmins, revokeRole, type GrantInput, type GrantView } from '../admins.ts';
import { adminRoles } from '../data/tables.ts';
import { shellOperator } from '../policy.ts';
import { issueSetupLink } from '../setup-link.ts';

const scopeOptions = {
  role: { type: 'string', choices: adminRoles },
  org: { type: 'string' },
  partner: { type: 'string' },
  reseller: { type: 'string' },
} as const;

const scopeOf = (view: GrantView) =>
  view.role === 'operator' ? 'everything' : view.organization ? `org ${view.organization}` : `partner ${view.partner}${view.reseller ? `, reseller ${view.reseller}` : ''}`;

function grantInput({ args, options }: CommandInput): GrantInput {
  if (typeof options.role !== 'string') throw new LanyardError('USAGE', 'usage: lanyard admin grant|revoke <upn> --role operator|org-admin|partner-admin|reseller [--org <slug> | --partner <slug> [--reseller <id>]]');
  const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
  return { upn: args.upn!, role: options.role, organization: text('org'), partner: text('partner'), reseller: text('reseller') };
}

/** `lanyard admin …`: the shell acts as the operator, through the same rule as the portal (policy.ts). */
export const adminCommands: readonly CommandDefinition[] = [
  {
    words: ['admin', 'grant'],
    positionals: ['upn'],
    options: scopeOptions,
    summary: 'admin grant <upn> --role operator|org-admin|partner-admin|reseller [--org <slug> | --partner <slug> [--reseller <id>]]',
    async run(input) {
      const { grant, added } = await grantRole(input.context.db, shellOperator, grantInput(input), systemClock.now());
      return { json: { ...grant, added }, text: `${grant.upn} is ${grant.role} of ${scopeOf(grant)}${added ? '' : ' (already granted)'}` };
    },
  },
  {
    words: ['admin', 'revoke'],
    positionals: ['upn'],
    options: scopeOptions,
    summary: 'admin revoke <upn> --role <role> [--org <slug> | --partner <slug> [--reseller <id>]]',
    async run(input) {
      const { grant, endedSessions } = await revokeRole(input.context.db, shellOperator, grantInput(input), systemClock.now());
      return { json: { ...grant, revoked: true, endedSessions }, text: `${grant.upn} is no longer ${grant.role} of ${scopeOf(grant)}; ${endedSessions} portal session(s) ended` };
    },
  },
  {
    words: ['admin', 'list'],
    positionals: [],
    summary: 'admin list',
    async run({ context }) {
      const admins = await listAdmins(context.db, shellOperator);
      const rows = admins.map((a) => [a.upn, a.role, scopeOf(a), a.grantedBy, a.grantedAt]);
      return { json: admins, text: admins.length ? table(['UPN', 'ROLE', 'SCOPE', 'GRANTED BY', 'GRANTED AT'], rows) : 'no admins; make the first operator with `lanyard admin setup-link <upn>`' };
    },
  },
  {
    words: ['admin', 'setup-link'],
    positionals: ['upn'],
    summary: 'admin setup-link <upn>   (the portal URL, and a one-time set-up link for the first operator)',
    async run({ args, context }) {
      const link = await issueSetupLink(context, args.upn!, systemClock.now());
      const lines = [
        `portal: ${link.portalUrl}`,
        ...(link.grantedOperator ? [`${link.upn} is now the operator`] : []),
        link.setupUrl
          ? `set-up link (once, until ${link.expiresAt}): ${link.setupUrl}\n  choose a password and scan the authenticator code there, then open the portal`
          : `${link.upn} has a password: sign in at the portal (an authenticator app is set up at the first sign-in if there is none)`,
      ];
      return { json: link, text: lines.join('\n') };
    },
  },
];
