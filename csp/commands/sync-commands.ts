import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';
import type { AppContext } from '../../core/context.ts';
import type { CustomerDeps } from '../customers/customer-deps.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import { countBillableUsers, listCustomerUsers } from '../data/customer-users.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { configureSync } from '../sync/sync-configure.ts';
import { partnerSyncErrors } from '../sync/sync-errors-view.ts';
import { syncPartner } from '../sync/sync-partner.ts';

const deps = (context: AppContext): CustomerDeps => ({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config });
const str = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

/** `csp sync …`: the recurring import run now, its settings, its errors and the users it stored. */
export const syncCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'sync'],
    positionals: ['partner'],
    summary: 'csp sync <partner>',
    async run({ args, context }) {
      const report = await syncPartner(deps(context), args.partner!, 'cli');
      const rows = report.customers.map((customer) => [customer.customer, customer.relationship ?? '?', customer.ok ? 'ok' : customer.errors.map((error) => `${error.step}:${error.code}`).join(' '), String(customer.users?.total ?? '-'), String(customer.users?.billable ?? '-')]);
      const head = `synced ${report.counts.customers} customers of ${report.partner} (${report.counts.dap} DAP, ${report.counts.gdap} GDAP), ${report.counts.users} users, ${report.counts.billable} billable; ${report.counts.failed} with errors${report.customersImported ? '' : '; the customer list could not be read'}${report.relationshipsRead ? '' : '; the GDAP relationships could not be read'} (see \`lanyard csp sync errors ${report.partner}\`)`;
      return { json: report, text: [head, table(['CUSTOMER', 'REL', 'RESULT', 'USERS', 'BILLABLE'], rows)].join('\n') };
    },
  },
  {
    words: ['csp', 'sync', 'errors'],
    positionals: ['partner'],
    summary: 'csp sync errors <partner>',
    async run({ args, context }) {
      const partner = await requirePartner(context.db, args.partner!);
      const errors = await partnerSyncErrors(context.db, partner);
      const text = errors.length
        ? errors.map((error) => `${error.customer ?? `partner ${partner.slug}`} ${error.step} ${error.code} ×${error.count} (first ${error.firstSeenAt}, last ${error.lastSeenAt})\n  ${error.message}${error.remediation ? `\n  fix: ${error.remediation}` : ''}`).join('\n')
        : `no sync errors for ${partner.slug}`;
      return { json: { partner: partner.slug, errors }, text };
    },
  },
  {
    words: ['csp', 'sync', 'configure'],
    positionals: ['partner'],
    options: { match: { type: 'string' }, 'ignore-account-enabled': { type: 'string' }, 'billing-group': { type: 'string' }, 'billing-licences': { type: 'string' }, 'sign-in-activity': { type: 'string' } },
    summary: 'csp sync configure <partner> [--match upn,mail,login] [--ignore-account-enabled on|off] [--billing-group <group name>|none] [--billing-licences <skuId,...>|none] [--sign-in-activity on|off]',
    async run({ args, options, context }) {
      const partner = await requirePartner(context.db, args.partner!);
      const settings = await configureSync(context.db, partner, {
        match: str(options.match),
        ignoreAccountEnabled: str(options['ignore-account-enabled']),
        billingGroup: str(options['billing-group']),
        billingLicences: str(options['billing-licences']),
        signInActivity: str(options['sign-in-activity']),
      }, 'cli', systemClock.now());
      return { json: { partner: partner.slug, ...settings }, text: `sync settings of ${partner.slug}: match by object id, then ${settings.matchFields.join(', ')}; accountEnabled ${settings.ignoreAccountEnabled ? 'ignored' : 'respected'}; billing group ${settings.billingGroup ?? 'none'}; billing licences ${settings.billingSkuIds.join(',') || 'any'}; sign-in activity ${settings.signInActivity ? 'on' : 'off'}` };
    },
  },
  {
    words: ['csp', 'sync', 'users'],
    positionals: ['customer'],
    summary: 'csp sync users <customer>',
    async run({ args, context }) {
      const customer = await requireCustomer(context.db, args.customer!);
      const users = (await listCustomerUsers(context.db, customer.id)).map((user) => ({
        objectId: user.objectId,
        upn: user.upn,
        mail: user.mail,
        displayName: user.displayName,
        accountEnabled: user.accountEnabled === 1,
        skuIds: JSON.parse(user.skuIds) as string[],
        serviceUser: user.serviceUser === 1,
        serviceReason: user.serviceReason,
        lastSignInAt: user.lastSignInAt,
        matchedBy: user.matchedBy,
        syncedAt: user.syncedAt,
      }));
      const billable = await countBillableUsers(context.db, customer.id);
      return {
        json: { customer: customer.domain, billable, users },
        text: [`${customer.domain}: ${users.length} users synced, ${billable} billable`, table(['UPN', 'NAME', 'BILLING'], users.map((user) => [user.upn, user.displayName, user.serviceUser ? `service user (${user.serviceReason})` : 'billable']))].join('\n'),
      };
    },
  },
];
