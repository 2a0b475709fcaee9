import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';
import type { AppContext } from '../../core/context.ts';
import { LanyardError } from '../../core/errors.ts';
import type { CustomerGraphDeps } from '../graph/open-customer-graph.ts';
import type { CustomerUserView } from '../users/user-admin.ts';
import { addCustomerUser, changeCustomerLicence, changeCustomerUser, listCustomerLicences, listCustomerTenantUsers, removeCustomerUser } from '../users/user-admin.ts';

const deps = (context: AppContext): CustomerGraphDeps => ({ db: context.db, secretBox: context.secretBox, clock: systemClock });
const str = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
const licencesOf = (user: CustomerUserView) => user.licences.map((licence) => licence.skuPartNumber ?? licence.skuId).join(',') || '-';

/** `csp user …` and `csp licence …`: a customer tenant's users and licences, through Graph with the partner's delegated access. */
export const userCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'user', 'add'],
    positionals: ['customer', 'upn'],
    options: { name: { type: 'string' }, licences: { type: 'string' }, 'usage-location': { type: 'string' } },
    summary: 'csp user add <customer> <upn> --name <display name> [--licences <sku,...>] [--usage-location <CC>]',
    async run({ args, options, context }) {
      const name = str(options.name);
      if (name === undefined) throw new LanyardError('USAGE', 'usage: lanyard csp user add <customer> <upn> --name <display name> [--licences <sku,...>] [--usage-location <CC>]', { missing: ['--name'] });
      const licences = str(options.licences)?.split(',').map((sku) => sku.trim()).filter(Boolean);
      const usageLocation = str(options['usage-location']);
      const report = await addCustomerUser(deps(context), args.customer!, { upn: args.upn!, displayName: name, ...(licences ? { licences } : {}), ...(usageLocation ? { usageLocation } : {}) }, 'cli');
      return {
        json: report,
        text: `added ${report.user.userPrincipalName} (${report.user.displayName}) to ${report.customer}; licences: ${licencesOf(report.user)}\npassword (shown once, changed at first sign-in): ${report.password}`,
      };
    },
  },
  {
    words: ['csp', 'user', 'list'],
    positionals: ['customer'],
    summary: 'csp user list <customer>',
    async run({ args, context }) {
      const report = await listCustomerTenantUsers(deps(context), args.customer!);
      const rows = report.users.map((user) => [user.userPrincipalName, user.displayName, user.accountEnabled === false ? 'disabled' : 'enabled', licencesOf(user)]);
      return { json: report, text: table(['UPN', 'NAME', 'SIGN-IN', 'LICENCES'], rows) };
    },
  },
  {
    words: ['csp', 'user', 'change'],
    positionals: ['customer', 'upn'],
    options: { name: { type: 'string' }, 'new-upn': { type: 'string' }, enable: { type: 'boolean' }, disable: { type: 'boolean' }, 'usage-location': { type: 'string' } },
    summary: 'csp user change <customer> <upn> [--name <display name>] [--new-upn <upn>] [--enable | --disable] [--usage-location <CC>]',
    async run({ args, options, context }) {
      if (options.enable === true && options.disable === true) throw new LanyardError('USAGE', '--enable and --disable exclude each other', {});
      const name = str(options.name);
      const newUpn = str(options['new-upn']);
      const usageLocation = str(options['usage-location']);
      const report = await changeCustomerUser(
        deps(context),
        args.customer!,
        args.upn!,
        {
          ...(name !== undefined ? { displayName: name } : {}),
          ...(newUpn !== undefined ? { newUpn } : {}),
          ...(options.enable === true ? { accountEnabled: true } : options.disable === true ? { accountEnabled: false } : {}),
          ...(usageLocation !== undefined ? { usageLocation } : {}),
        },
        'cli',
      );
      return { json: report, text: `changed ${report.changed.join(', ')} of ${report.user.userPrincipalName} in ${report.customer}` };
    },
  },
  {
    words: ['csp', 'user', 'remove'],
    positionals: ['customer', 'upn'],
    summary: 'csp user remove <customer> <upn>',
    async run({ args, context }) {
      const report = await removeCustomerUser(deps(context), args.customer!, args.upn!, 'cli');
      return { json: report, text: `removed ${report.removed} from ${report.customer} (Microsoft keeps it in deleted users for 30 days)` };
    },
  },
  ...(['assign', 'remove'] as const).map(
    (action): CommandDefinition => ({
      words: ['csp', 'licence', action],
      positionals: ['customer', 'upn', 'sku'],
      summary: `csp licence ${action} <customer> <upn> <sku id or part number>`,
      async run({ args, context }) {
        const report = await changeCustomerLicence(deps(context), args.customer!, args.upn!, args.sku!, action, 'cli');
        return { json: report, text: `${action === 'assign' ? 'assigned' : 'removed'} ${report.sku.skuPartNumber} ${action === 'assign' ? 'to' : 'from'} ${report.user.userPrincipalName}; ${report.sku.consumed} of ${report.sku.total} seats in use, ${report.sku.available} available` };
      },
    }),
  ),
  {
    words: ['csp', 'licence', 'list'],
    positionals: ['customer'],
    summary: 'csp licence list <customer>',
    async run({ args, context }) {
      const report = await listCustomerLicences(deps(context), args.customer!);
      const rows = report.licences.map((sku) => [sku.skuPartNumber, sku.skuId, String(sku.total), String(sku.consumed), String(sku.available), sku.capabilityStatus]);
      return { json: report, text: report.licences.length ? table(['PART NUMBER', 'SKU', 'TOTAL', 'CONSUMED', 'AVAILABLE', 'STATUS'], rows) : `customer ${report.customer} has no subscribed SKUs` };
    },
  },
];
