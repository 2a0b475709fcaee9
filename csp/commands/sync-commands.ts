import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';
import type { AppContext } from '../../core/context.ts';
import { LanyardError } from '../../core/errors.ts';
import type { CustomerDeps } from '../customers/customer-deps.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import { countBillableUsers, listCustomerUsers } from '../data/customer-users.ts';
import { listSyncErrors } from '../data/sync-errors.ts';
import { readSyncSettings, writeSyncSettings } from '../data/sync-settings.ts';
import { matchFields, type MatchField } from '../data/sync-tables.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { syncPartner } from '../sync/sync-partner.ts';

const deps = (context: AppContext): CustomerDeps => ({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config });
const str = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

function onOff(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new LanyardError('USAGE', `--${name} takes on or off`, { option: name });
}

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
      const errors = (await listSyncErrors(context.db, partner.id)).map((error) => ({
        customer: error.customerDomain,
        step: error.step,
        code: error.code,
        message: error.message,
        remediation: error.remediation,
        firstSeenAt: error.firstSeenAt,
        lastSeenAt: error.lastSeenAt,
        count: error.count,
      }));
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
      const current = await readSyncSettings(context.db, partner.id);
      const match = str(options.match);
      let fields: MatchField[] | undefined;
      if (match !== undefined) {
        fields = match.split(',').map((field) => field.trim().toLowerCase()) as MatchField[];
        const bad = fields.filter((field) => !matchFields.includes(field));
        if (bad.length > 0 || new Set(fields).size !== fields.length) {
          throw new LanyardError('CSP_MATCH_FIELD_INVALID', `--match takes ${matchFields.join(', ')} in the order to try, each once (got ${match})`, { invalid: bad });
        }
      }
      const billing = str(options['billing-licences']);
      const skuIds = billing === undefined ? undefined : billing === 'none' ? [] : billing.split(',').map((id) => id.trim().toLowerCase()).filter(Boolean);
      if (skuIds?.some((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))) {
        throw new LanyardError('USAGE', '--billing-licences takes skuIds (GUIDs), comma-separated, or none', {});
      }
      const settings = {
        ...current,
        ...(fields ? { matchFields: fields } : {}),
        ...(onOff('ignore-account-enabled', str(options['ignore-account-enabled'])) !== undefined ? { ignoreAccountEnabled: onOff('ignore-account-enabled', str(options['ignore-account-enabled']))! } : {}),
        ...(skuIds ? { billingSkuIds: skuIds } : {}),
        ...(str(options['billing-group']) !== undefined ? { billingGroup: str(options['billing-group']) === 'none' ? null : str(options['billing-group'])!.trim() } : {}),
        ...(onOff('sign-in-activity', str(options['sign-in-activity'])) !== undefined ? { signInActivity: onOff('sign-in-activity', str(options['sign-in-activity']))! } : {}),
      };
      await writeSyncSettings(context.db, partner.id, settings, systemClock.now());
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
