import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';
import type { AppContext } from '../../core/context.ts';
import { LanyardError } from '../../core/errors.ts';
import { acceptAgreement } from '../customers/accept-agreement.ts';
import { consentAppInCustomer } from '../customers/consent-app.ts';
import { createCustomer } from '../customers/create-customer.ts';
import { linkCustomer, listCustomerViews, showCustomer, unlinkCustomer } from '../customers/customer-admin.ts';
import type { CustomerDeps } from '../customers/customer-deps.ts';
import type { CustomerView } from '../customers/customer-view.ts';
import { importCustomers } from '../customers/import-customers.ts';

const deps = (context: AppContext): CustomerDeps => ({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config });
const str = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

const describe = (view: CustomerView) =>
  [
    `customer ${view.domain} (${view.companyName}), tenant ${view.tenantId}, partner ${view.partner}${view.resellerId ? `, reseller ${view.resellerId}` : ''}`,
    `  organization: ${view.organization ?? 'not linked'}; ${view.source}${view.country ? `, ${view.country}` : ''}${view.email ? `, ${view.email}` : ''}`,
    `  Microsoft Customer Agreement: ${view.agreement ? `accepted ${view.agreement.acceptedAt} by ${view.agreement.acceptedBy ?? '?'} for ${view.agreement.contact.email ?? '?'}` : 'not accepted: run `lanyard csp customer accept-agreement`'}`,
    ...(view.licences?.length ? ['  licences (last import):', table(['SKU', 'PART NUMBER', 'TOTAL', 'CONSUMED'], view.licences.map((l) => [l.skuId, l.skuPartNumber, String(l.total), String(l.consumed)])).replace(/^/gm, '    ')] : []),
  ].join('\n');

const createOptions = {
  company: { type: 'string' },
  'domain-prefix': { type: 'string' },
  email: { type: 'string' },
  country: { type: 'string' },
  'first-name': { type: 'string' },
  'last-name': { type: 'string' },
  address: { type: 'string' },
  city: { type: 'string' },
  'postal-code': { type: 'string' },
  state: { type: 'string' },
  phone: { type: 'string' },
  org: { type: 'string' },
  'mail-password-to': { type: 'string', choices: ['customer', 'billing'] },
  'billing-email': { type: 'string' },
  reseller: { type: 'string' },
} as const;

const createUsage =
  'usage: lanyard csp customer create <partner> --company <name> --domain-prefix <prefix> --email <e> --country <CC> --first-name <f> --last-name <l> --address <line1> --city <c> --postal-code <p> [--state <s>] [--phone <n>] [--org <slug>] [--mail-password-to customer|billing [--billing-email <e>]] [--reseller <reseller tenant GUID>]';

export const customerCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'customer', 'create'],
    positionals: ['partner'],
    options: createOptions,
    summary: createUsage.slice('usage: lanyard '.length),
    async run({ args, options, context }) {
      const required = ['company', 'domain-prefix', 'email', 'country', 'first-name', 'last-name', 'address', 'city', 'postal-code'] as const;
      const missing = required.filter((name) => typeof options[name] !== 'string');
      if (missing.length > 0) throw new LanyardError('USAGE', `${createUsage} (missing: ${missing.map((name) => `--${name}`).join(', ')})`, { missing });
      const state = str(options.state);
      const phone = str(options.phone);
      const org = str(options.org);
      const mailTo = str(options['mail-password-to']) as 'customer' | 'billing' | undefined;
      const billingEmail = str(options['billing-email']);
      const reseller = str(options.reseller);
      const report = await createCustomer(
        deps(context),
        args.partner!,
        {
          company: str(options.company)!,
          domainPrefix: str(options['domain-prefix'])!,
          email: str(options.email)!,
          country: str(options.country)!,
          firstName: str(options['first-name'])!,
          lastName: str(options['last-name'])!,
          address: str(options.address)!,
          city: str(options.city)!,
          postalCode: str(options['postal-code'])!,
          ...(state !== undefined ? { state } : {}),
          ...(phone !== undefined ? { phone } : {}),
          ...(org !== undefined ? { organization: org } : {}),
          ...(mailTo !== undefined ? { mailPasswordTo: mailTo } : {}),
          ...(billingEmail !== undefined ? { billingEmail } : {}),
          ...(reseller !== undefined ? { reseller } : {}),
        },
        'cli',
      );
      const text = [
        `created ${describe(report.customer)}`,
        report.passwordMailedTo
          ? `admin ${report.adminUser}: the password was e-mailed to ${report.passwordMailedTo} (Lanyard keeps no copy)`
          : report.adminPassword
            ? `admin ${report.adminUser}, password (shown this once, Lanyard keeps no copy): ${report.adminPassword}${report.passwordShownBecause ? `\n  (not e-mailed: ${report.passwordShownBecause})` : ''}`
            : `admin ${report.adminUser}`,
        ...report.warnings.map((warning) => `warning: ${warning}`),
        `next: lanyard csp customer accept-agreement ${report.customer.domain} --first-name … --last-name … --email …`,
      ].join('\n');
      return { json: report, text };
    },
  },
  {
    words: ['csp', 'customer', 'accept-agreement'],
    positionals: ['customer'],
    options: { 'first-name': { type: 'string' }, 'last-name': { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' } },
    summary: 'csp customer accept-agreement <customer> --first-name <f> --last-name <l> --email <e> [--phone <n>]',
    async run({ args, options, context }) {
      if (typeof options['first-name'] !== 'string' || typeof options['last-name'] !== 'string' || typeof options.email !== 'string') {
        throw new LanyardError('USAGE', 'usage: lanyard csp customer accept-agreement <customer> --first-name <f> --last-name <l> --email <e> [--phone <n>] (the customer\'s contact who accepts)');
      }
      const phone = str(options.phone);
      const report = await acceptAgreement(deps(context), args.customer!, { firstName: options['first-name'], lastName: options['last-name'], email: options.email, ...(phone !== undefined ? { phone } : {}) }, 'cli');
      const text = report.alreadyAccepted
        ? `${report.customer}: Partner Center already had this contact's acceptance of the Microsoft Customer Agreement; recorded in Lanyard (${report.acceptedAt}).`
        : `${report.customer}: Microsoft Customer Agreement accepted by ${report.contact.firstName} ${report.contact.lastName} <${report.contact.email}> on ${report.acceptedAt} (template ${report.templateId}).`;
      return { json: report, text };
    },
  },
  {
    words: ['csp', 'customer', 'import'],
    positionals: ['partner'],
    options: { 'dry-run': { type: 'boolean' } },
    summary: 'csp customer import <partner> [--dry-run]',
    async run({ args, options, context }) {
      const report = await importCustomers(deps(context), args.partner!, { dryRun: options['dry-run'] === true }, 'cli');
      const { created, updated, unchanged } = report.counts;
      const text = [
        `${report.dryRun ? 'dry run (nothing written): ' : ''}${report.partner}: ${created} created, ${updated} updated, ${unchanged} unchanged; ${report.subscriptions} subscriptions at Partner Center (${report.subscriptionCounts.created} recorded, ${report.subscriptionCounts.updated} updated, ${report.subscriptionCounts.unchanged} unchanged${report.subscriptionCounts.conflict ? `, ${report.subscriptionCounts.conflict} in conflict` : ''}${report.subscriptionCounts.locked ? `, ${report.subscriptionCounts.locked} locked by a change` : ''})`,
        ...report.customers.flatMap((c) => c.subscriptionRows.filter((row) => row.reason).map((row) => `  ${c.domain}: subscription ${row.partnerCenterId} (${row.offerId}) not recorded: ${row.reason}`)),
        ...(report.customers.length
          ? ['', table(['DOMAIN', 'TENANT', 'OUTCOME', 'CHANGED', 'SUBSCRIPTIONS', 'LICENCES'], report.customers.map((c) => [c.domain, c.tenantId, c.outcome, c.changed.join(','), String(c.subscriptions), c.licences.map((l) => `${l.skuPartNumber} ${l.consumed}/${l.total}`).join(', ')]))]
          : []),
      ].join('\n');
      return { json: report, text };
    },
  },
  {
    words: ['csp', 'customer', 'list'],
    positionals: ['partner'],
    summary: 'csp customer list <partner>',
    async run({ args, context }) {
      const views = await listCustomerViews(context.db, args.partner!);
      const rows = views.map((v) => [v.domain, v.tenantId, v.companyName, v.organization ?? '', v.agreement ? 'yes' : 'no', v.source]);
      return { json: views, text: views.length ? table(['DOMAIN', 'TENANT', 'COMPANY', 'ORG', 'MCA', 'SOURCE'], rows) : `no customers; create one with \`lanyard csp customer create ${args.partner}\` or run \`lanyard csp customer import ${args.partner}\`` };
    },
  },
  {
    words: ['csp', 'customer', 'show'],
    positionals: ['customer'],
    summary: 'csp customer show <customer>',
    async run({ args, context }) {
      const view = await showCustomer(context.db, args.customer!);
      return { json: view, text: describe(view) };
    },
  },
  {
    words: ['csp', 'customer', 'link'],
    positionals: ['customer'],
    options: { org: { type: 'string' } },
    summary: 'csp customer link <customer> --org <slug>',
    async run({ args, options, context }) {
      if (typeof options.org !== 'string') throw new LanyardError('USAGE', 'usage: lanyard csp customer link <customer> --org <slug>');
      const view = await linkCustomer(context.db, args.customer!, options.org, 'cli');
      return { json: view, text: `linked ${view.domain} to organization ${view.organization}: its tenant is reached through partner ${view.partner}'s delegated access` };
    },
  },
  {
    words: ['csp', 'customer', 'consent-app'],
    positionals: ['customer'],
    summary: 'csp customer consent-app <customer>',
    async run({ args, context }) {
      const report = await consentAppInCustomer(deps(context), args.customer!, 'cli');
      const done = report.outcome === 'consented' ? 'consented' : 'was already consented';
      return { json: report, text: `partner ${report.partner}'s app ${report.applicationId} ${done} in ${report.customer} (tenant ${report.tenantId}) with Microsoft Graph ${report.permissions.join(', ')}; link it with \`lanyard csp customer link ${report.customer} --org <slug>\`` };
    },
  },
  {
    words: ['csp', 'customer', 'unlink'],
    positionals: ['customer'],
    summary: 'csp customer unlink <customer>',
    async run({ args, context }) {
      const { customer, unlinked } = await unlinkCustomer(context.db, args.customer!, 'cli');
      return { json: { ...customer, unlinked }, text: unlinked ? `unlinked ${customer.domain} from organization ${unlinked}` : `${customer.domain} was not linked; nothing to do` };
    },
  },
];
