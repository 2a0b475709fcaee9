import { userInfo } from 'node:os';
import { systemClock } from '../../core/clock.ts';
import type { CommandDefinition } from '../../core/commands.ts';
import { LanyardError } from '../../core/errors.ts';
import { checkPartnerAccess, type AccessReport } from '../partners/access-check.ts';
import { changePartner } from '../partners/partner-change.ts';
import { removePartner } from '../partners/partner-change.ts';
import { useDatabase, useKeyVault, type StorageMove } from '../partners/token-storage-admin.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { noticeTokenState } from '../tokens/token-notices.ts';

const cliAdmin = () => `cli:${userInfo().username}`;
const optional = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);

const describeMove = (move: StorageMove) =>
  [
    `partner ${move.partner.partner}: refresh token stored in ${move.partner.tokenStorage === 'key-vault' ? `Key Vault (${move.partner.keyVaultSecretUrl})` : "Lanyard's database"}`,
    move.movedToken ? '  the current token was moved and removed from the old place' : '  no token was held; the next consent writes it there',
    ...(move.leftBehind ? [`  warning: ${move.leftBehind}`] : []),
  ].join('\n');

const describeReport = (report: AccessReport) =>
  [`partner ${report.partner}: ${report.outcome}`, ...report.checks.map((c) => `  ${c.outcome.padEnd(7)} ${c.check}${c.code ? ` (${c.code})` : ''}: ${c.message}${c.remediation && c.outcome !== 'ok' ? `\n          what to do: ${c.remediation}` : ''}`)].join('\n');

/** Partner connection commands of issue 11: token storage, the access check, change and remove. */
export const connectionCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'partner', 'use-key-vault'],
    positionals: ['partner'],
    options: { 'secret-url': { type: 'string' }, 'tenant-id': { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret-stdin': { type: 'boolean' } },
    summary: 'csp partner use-key-vault <partner> --secret-url <https://vault/secrets/name> --tenant-id <id> --client-id <id> --client-secret-stdin',
    async run({ args, options, context, readSecret }) {
      const secretUrl = optional(options['secret-url']);
      const tenantId = optional(options['tenant-id']);
      const clientId = optional(options['client-id']);
      if (!secretUrl || !tenantId || !clientId || options['client-secret-stdin'] !== true) {
        throw new LanyardError('USAGE', "usage: lanyard csp partner use-key-vault <partner> --secret-url <https://<vault>.vault.azure.net/secrets/<name>> --tenant-id <id> --client-id <id> --client-secret-stdin (the Key Vault app's secret is read from standard input)");
      }
      const move = await useKeyVault(context, args.partner!, { secretUrl, tenantId, clientId, clientSecret: (await readSecret()).trim() }, cliAdmin());
      return { json: move, text: describeMove(move) };
    },
  },
  {
    words: ['csp', 'partner', 'use-database'],
    positionals: ['partner'],
    summary: 'csp partner use-database <partner>',
    async run({ args, context }) {
      const move = await useDatabase(context, args.partner!, cliAdmin());
      return { json: move, text: describeMove(move) };
    },
  },
  {
    words: ['csp', 'partner', 'check'],
    positionals: ['partner'],
    summary: 'csp partner check <partner>',
    async run({ args, context }) {
      const report = await checkPartnerAccess({ db: context.db, secretBox: context.secretBox, clock: systemClock }, args.partner!, cliAdmin());
      // What the check found may be news for the partner's admins (told once per state).
      await noticeTokenState(context, (await requirePartner(context.db, args.partner!)).id, systemClock.now());
      return { json: report, text: describeReport(report) };
    },
  },
  {
    words: ['csp', 'partner', 'change'],
    positionals: ['partner'],
    options: {
      'client-secret-stdin': { type: 'boolean' },
      'client-secret-expires': { type: 'string' },
      'licence-cap': { type: 'string' },
      resellers: { type: 'string' },
      'include-sub-resellers': { type: 'boolean' },
      'exclude-sub-resellers': { type: 'boolean' },
      default: { type: 'boolean' },
      'admin-emails': { type: 'string' },
      'login-url': { type: 'string' },
      'partner-center-url': { type: 'string' },
      'graph-url': { type: 'string' },
    },
    summary:
      'csp partner change <partner> [--client-secret-stdin] [--client-secret-expires <date>] [--licence-cap <n|unlimited>] [--resellers <id,...>] [--include-sub-resellers|--exclude-sub-resellers] [--default] [--admin-emails <a,...>] [--login-url <url>] [--partner-center-url <url>] [--graph-url <url>]',
    async run({ args, options, context, readSecret }) {
      if (options['include-sub-resellers'] === true && options['exclude-sub-resellers'] === true) throw new LanyardError('USAGE', 'give --include-sub-resellers or --exclude-sub-resellers, not both');
      const view = await changePartner(
        context,
        args.partner!,
        {
          ...(options['client-secret-stdin'] === true ? { clientSecret: (await readSecret()).trim() } : {}),
          ...(optional(options['client-secret-expires']) !== undefined ? { clientSecretExpires: optional(options['client-secret-expires'])! } : {}),
          ...(optional(options['licence-cap']) !== undefined ? { licenceCap: optional(options['licence-cap'])! } : {}),
          ...(optional(options.resellers) !== undefined ? { resellers: optional(options.resellers)! } : {}),
          ...(options['include-sub-resellers'] === true ? { includeSubResellers: true } : options['exclude-sub-resellers'] === true ? { includeSubResellers: false } : {}),
          ...(options.default === true ? { isDefault: true } : {}),
          ...(optional(options['admin-emails']) !== undefined ? { adminEmails: optional(options['admin-emails'])! } : {}),
          ...(optional(options['login-url']) !== undefined ? { loginUrl: optional(options['login-url'])! } : {}),
          ...(optional(options['partner-center-url']) !== undefined ? { partnerCenterUrl: optional(options['partner-center-url'])! } : {}),
          ...(optional(options['graph-url']) !== undefined ? { graphUrl: optional(options['graph-url'])! } : {}),
        },
        cliAdmin(),
      );
      return { json: view, text: `changed partner ${view.partner}` };
    },
  },
  {
    words: ['csp', 'partner', 'remove'],
    positionals: ['partner'],
    summary: 'csp partner remove <partner>',
    async run({ args, context }) {
      const result = await removePartner(context, args.partner!, cliAdmin());
      return { json: result, text: `removed partner ${result.partner}${result.leftBehind ? `\nwarning: ${result.leftBehind}` : ''}` };
    },
  },
];
