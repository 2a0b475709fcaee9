import { userInfo } from 'node:os';
import type { CommandDefinition } from '../../core/commands.ts';
import { LanyardError } from '../../core/errors.ts';
import { startConsent } from '../consent/consent.ts';
import { findPartnerBySlug } from '../data/partners.ts';
import { noticeTokenState } from '../tokens/token-notices.ts';
import { partnerStatus, refreshPartnerToken, setRefreshToken, type TokenStatus } from '../tokens/partner-tokens.ts';

const describe = (status: TokenStatus) =>
  [`partner ${status.partner}: ${status.state}${status.code ? ` (${status.code})` : ''}`, `  ${status.explanation}`, ...(status.remediation ? [`  what to do: ${status.remediation}`] : []), ...(status.lastUsedAt ? [`  last used ${status.lastUsedAt}; unused until ${status.expiresAt} it expires`] : [])].join('\n');

/** The admin identity a consent is bound to when started from the command line. */
const cliAdmin = () => `cli:${userInfo().username}`;

export const tokenCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'partner', 'consent'],
    positionals: ['partner'],
    summary: 'csp partner consent <partner>',
    async run({ args, context }) {
      const { url, expiresAt } = await startConsent(context, args.partner!, cliAdmin());
      return { json: { url }, text: `open this URL within 10 minutes (until ${expiresAt}) and sign in as a partner admin with MFA:\n${url}` };
    },
  },
  {
    words: ['csp', 'partner', 'set-refresh-token'],
    positionals: ['partner'],
    options: { 'token-stdin': { type: 'boolean' } },
    summary: 'csp partner set-refresh-token <partner> --token-stdin',
    async run({ args, options, context, readSecret }) {
      if (options['token-stdin'] !== true) throw new LanyardError('USAGE', 'usage: lanyard csp partner set-refresh-token <partner> --token-stdin (the refresh token is read from standard input)');
      const status = await setRefreshToken(context, args.partner!, await readSecret(), cliAdmin());
      return { json: status, text: describe(status) };
    },
  },
  {
    words: ['csp', 'partner', 'refresh'],
    positionals: ['partner'],
    summary: 'csp partner refresh <partner>',
    async run({ args, context }) {
      try {
        const status = await refreshPartnerToken(context, args.partner!, cliAdmin());
        return { json: status, text: describe(status) };
      } finally {
        // A refusal (expired, revoked, …) is news for the partner's admins: told once per state.
        const partner = await findPartnerBySlug(context.db, args.partner!.trim().toLowerCase());
        if (partner) await noticeTokenState(context, partner.id, new Date());
      }
    },
  },
  {
    words: ['csp', 'partner', 'status'],
    positionals: ['partner'],
    summary: 'csp partner status <partner>',
    async run({ args, context }) {
      const status = await partnerStatus(context.db, args.partner!);
      return { json: status, text: describe(status) };
    },
  },
];
