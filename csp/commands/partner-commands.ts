import { table, type CommandDefinition } from '../../core/commands.ts';
import { LanyardError } from '../../core/errors.ts';
import { addPartner, listPartnerViews, showPartner, type PartnerView } from '../partners/partner-admin.ts';

const describe = (view: PartnerView) =>
  [
    `partner ${view.partner}${view.isDefault ? ' (default)' : ''}`,
    `  tenant ${view.tenantId}, app ${view.clientId}${view.accountId ? `, account ${view.accountId}` : ''}`,
    `  endpoints: login ${view.endpoints.login}, Partner Center ${view.endpoints.partnerCenter}, Graph ${view.endpoints.graph}`,
    `  resellers: ${view.resellerIds.length ? view.resellerIds.join(', ') : 'none'}`,
    `  refresh token: ${view.hasRefreshToken ? `held (${view.tokenStorage === 'key-vault' ? `Key Vault ${view.keyVaultSecretUrl}` : 'database'}), consented by ${view.consentUpn ?? 'unknown'}, last used ${view.refreshTokenLastUsedAt}` : 'none: run `lanyard csp partner consent`'}`,
    `  client secret expires: ${view.clientSecretExpiresAt?.slice(0, 10) ?? 'not recorded (csp partner change --client-secret-expires)'}`,
    `  admins told of token trouble: ${view.adminEmails.length ? view.adminEmails.join(', ') : 'none (csp partner change --admin-emails)'}`,
  ].join('\n');

export const partnerCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'partner', 'add'],
    positionals: ['partner'],
    options: {
      'tenant-id': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret-stdin': { type: 'boolean' },
      'account-id': { type: 'string' },
      resellers: { type: 'string' },
      'include-sub-resellers': { type: 'boolean' },
      'licence-cap': { type: 'string' },
      'admin-emails': { type: 'string' },
      'client-secret-expires': { type: 'string' },
      default: { type: 'boolean' },
    },
    summary:
      'csp partner add <partner> --tenant-id <id> --client-id <id> --client-secret-stdin [--client-secret-expires <date>] [--account-id <id>] [--resellers <id,...>] [--include-sub-resellers] [--licence-cap <n|unlimited>] [--admin-emails <a,...>] [--default]',
    async run({ args, options, context, readSecret }) {
      if (typeof options['tenant-id'] !== 'string' || typeof options['client-id'] !== 'string' || options['client-secret-stdin'] !== true) {
        throw new LanyardError('USAGE', 'usage: lanyard csp partner add <partner> --tenant-id <id> --client-id <id> --client-secret-stdin [--account-id <id>] [--resellers <id,...>] [--default] (the secret is read from standard input)');
      }
      const view = await addPartner(
        context,
        {
          partner: args.partner!,
          tenantId: options['tenant-id'],
          clientId: options['client-id'],
          clientSecret: await readSecret(),
          ...(typeof options['account-id'] === 'string' ? { accountId: options['account-id'] } : {}),
          ...(typeof options.resellers === 'string' ? { resellers: options.resellers } : {}),
          ...(typeof options['licence-cap'] === 'string' ? { licenceCap: options['licence-cap'] } : {}),
          ...(typeof options['admin-emails'] === 'string' ? { adminEmails: options['admin-emails'] } : {}),
          ...(typeof options['client-secret-expires'] === 'string' ? { clientSecretExpires: options['client-secret-expires'] } : {}),
          includeSubResellers: options['include-sub-resellers'] === true,
          isDefault: options.default === true,
        },
        'cli',
      );
      return { json: view, text: `added ${describe(view)}\nnext: lanyard csp partner consent ${view.partner}` };
    },
  },
  {
    words: ['csp', 'partner', 'list'],
    positionals: [],
    summary: 'csp partner list',
    async run({ context }) {
      const views = await listPartnerViews(context.db);
      const rows = views.map((v) => [v.partner, v.tenantId, v.clientId, v.isDefault ? 'yes' : 'no', v.hasRefreshToken ? 'yes' : 'no']);
      return { json: views, text: views.length ? table(['PARTNER', 'TENANT', 'APP', 'DEFAULT', 'TOKEN'], rows) : 'no CSP partners; add one with `lanyard csp partner add`' };
    },
  },
  {
    words: ['csp', 'partner', 'show'],
    positionals: ['partner'],
    summary: 'csp partner show <partner>',
    async run({ args, context }) {
      const view = await showPartner(context.db, args.partner!);
      return { json: view, text: describe(view) };
    },
  },
];
