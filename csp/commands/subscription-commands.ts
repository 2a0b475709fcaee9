import { userInfo } from 'node:os';
import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition, type CommandInput } from '../../core/commands.ts';
import { LanyardError } from '../../core/errors.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import { findPartnerById } from '../data/partners.ts';
import { findSubscription, listSubscriptions, openChanges } from '../data/subscriptions.ts';
import type { CspSubscription, CspSubscriptionChange } from '../data/tables.ts';
import { openPartnerCenter } from '../partner-center/open-partner-center.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { noPriceWarning } from '../prices/price-list.ts';
import { billingLines, parseSince, toCsv } from '../subscriptions/billing-export.ts';
import { listOffers } from '../subscriptions/offers.ts';
import { formatMinor } from '../subscriptions/proration.ts';
import { subscriptionSettings, type SubscriptionSettings } from '../subscriptions/subscription-settings.ts';
import { runChangeToEnd } from '../subscriptions/run-change.ts';
import { orderSubscription, scheduleQuantity, setAutoRenew, setQuantity, subscriptionOrThrow, terminateSubscription } from '../subscriptions/subscription-service.ts';
import { changeView, describeSubscription, subscriptionView } from '../subscriptions/subscription-view.ts';

const cliActor = () => `cli:${userInfo().username}`;
const depsOf = (context: CommandInput['context']) => ({ db: context.db, dialect: context.dialect, secretBox: context.secretBox, logger: context.logger, clock: systemClock });

/**
 * Runs the queued change to its end in this process (the job runner's code path) and prints the
 * subscription as it then is. A change still provisioning at Microsoft after the wait is reported
 * as such: the subscription stays locked, and `serve`'s runner (or `subscription show`) finishes it.
 */
async function finish(context: CommandInput['context'], queued: { subscription: CspSubscription; change: CspSubscriptionChange }, verb: string) {
  const change = await runChangeToEnd(depsOf(context), queued.change.id);
  const subscription = (await findSubscription(context.db, queued.subscription.id))!;
  const view = subscriptionView(subscription);
  const pending = change.state !== 'succeeded';
  const text = pending
    ? `${verb}: queued at Microsoft (change ${change.id} is ${change.state}); the subscription stays locked until it completes.\n${describeSubscription(view)}`
    : `${verb}.\n${describeSubscription(view)}`;
  return { json: { ...view, change: changeView(change) }, text };
}

const describeSettings = (settings: SubscriptionSettings) =>
  [
    `partner ${settings.partner}: subscription settings`,
    `  align renewals: ${settings.alignRenewals ? 'on' : 'off'}`,
    `  prevent decrease below consumed licences: ${settings.preventDecreaseBelowConsumed ? 'on' : 'off'}`,
    `  legacy termination delay: ${settings.legacyTerminationDays} days`,
    `  licence cap per customer: ${settings.licenceCapPerCustomer ?? 'unlimited'}`,
  ].join('\n');

export const subscriptionCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'partner', 'subscription-settings'],
    positionals: ['partner'],
    options: { 'align-renewals': { type: 'string' }, 'prevent-decrease': { type: 'string' }, 'legacy-termination-days': { type: 'string' }, 'licence-cap': { type: 'string' } },
    summary: 'csp partner subscription-settings <partner> [--align-renewals on|off] [--prevent-decrease on|off] [--legacy-termination-days <n>] [--licence-cap <n>|unlimited]',
    async run({ args, options, context }) {
      const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
      const settings = await subscriptionSettings(context.db, args.partner!, {
        alignRenewals: text('align-renewals'),
        preventDecrease: text('prevent-decrease'),
        legacyTerminationDays: text('legacy-termination-days'),
        licenceCap: text('licence-cap'),
      }, cliActor());
      return { json: settings, text: describeSettings(settings) };
    },
  },
  {
    words: ['csp', 'offer', 'list'],
    positionals: ['partner'],
    options: { country: { type: 'string' } },
    summary: 'csp offer list <partner> [--country <CC>]',
    async run({ args, options, context }) {
      const partner = await requirePartner(context.db, args.partner!);
      const country = typeof options.country === 'string' ? options.country.trim().toUpperCase() : 'US';
      if (!/^[A-Z]{2}$/.test(country)) throw new LanyardError('USAGE', '--country takes an ISO 3166 two-letter code, e.g. US or DE');
      const offers = await listOffers(openPartnerCenter({ db: context.db, secretBox: context.secretBox, clock: systemClock }, partner, cliActor()), country);
      const rows = offers.flatMap((offer) => offer.terms.map((term) => [offer.offerId, offer.name, `${offer.minimumQuantity}-${offer.maximumQuantity}`, `${term.termDuration} ${term.billingCycle}`, `${formatMinor(term.unitPriceMinor)} ${term.currency}`]));
      return { json: offers, text: offers.length ? table(['OFFER', 'NAME', 'QUANTITY', 'TERM', 'PRICE/TERM'], rows) : `no offers for ${country}` };
    },
  },
  {
    words: ['csp', 'subscription', 'order'],
    positionals: ['customer'],
    options: { offer: { type: 'string' }, quantity: { type: 'string' }, term: { type: 'string' }, billing: { type: 'string' }, name: { type: 'string' } },
    summary: 'csp subscription order <customer> --offer <id> --quantity <n> [--term P1M|P1Y] [--billing monthly|annual] [--name <n>]',
    async run({ args, options, context }) {
      if (typeof options.offer !== 'string' || typeof options.quantity !== 'string') {
        throw new LanyardError('USAGE', 'usage: lanyard csp subscription order <customer> --offer <id> --quantity <n> [--term P1M|P1Y] [--billing monthly|annual] [--name <n>]');
      }
      const queued = await orderSubscription(
        { db: context.db, secretBox: context.secretBox, clock: systemClock },
        {
          customer: args.customer!,
          offerId: options.offer,
          quantity: options.quantity,
          ...(typeof options.term === 'string' ? { term: options.term } : {}),
          ...(typeof options.billing === 'string' ? { billing: options.billing } : {}),
          ...(typeof options.name === 'string' ? { name: options.name } : {}),
        },
        cliActor(),
      );
      const result = await finish(context, queued, queued.resumed ? 'ordered (resumed the unfinished order)' : 'ordered');
      if (result.json.priceSource !== 'none') return result;
      // Never a silent 0: the order went through, but its billing lines carry no amount.
      const partner = (await findPartnerById(context.db, queued.subscription.partnerId))!;
      const warning = noPriceWarning(partner.slug, result.json.offerId, result.json.termDuration, result.json.billingCycle);
      return { json: { ...result.json, warning }, text: `${result.text}\nwarning: ${warning}` };
    },
  },
  {
    words: ['csp', 'subscription', 'list'],
    positionals: ['customer'],
    summary: 'csp subscription list <customer>',
    async run({ args, context }) {
      const customer = await requireCustomer(context.db, args.customer!);
      const views = (await listSubscriptions(context.db, customer.id)).map(subscriptionView);
      const rows = views.map((v) => [v.id, v.name, String(v.quantity), v.status + (v.locked ? ' (locked)' : ''), `${v.termDuration} ${v.billingCycle}`, v.commitmentEndDate?.slice(0, 10) ?? '']);
      return { json: views, text: views.length ? table(['SUBSCRIPTION', 'NAME', 'QUANTITY', 'STATUS', 'TERM', 'ENDS'], rows) : `no subscriptions for ${customer.domain}` };
    },
  },
  {
    words: ['csp', 'subscription', 'show'],
    positionals: ['subscription'],
    summary: 'csp subscription show <subscription>',
    async run({ args, context }) {
      let subscription = await subscriptionOrThrow(context.db, args.subscription!);
      // A change left unfinished (provisioning at Microsoft, or its process stopped) moves on here too.
      for (const change of await openChanges(context.db, subscription.id)) await runChangeToEnd(depsOf(context), change.id, 0).catch(() => undefined);
      subscription = (await findSubscription(context.db, subscription.id))!;
      const changes = (await openChanges(context.db, subscription.id)).map(changeView);
      const view = subscriptionView(subscription);
      return { json: { ...view, openChanges: changes }, text: describeSubscription(view) };
    },
  },
  {
    words: ['csp', 'subscription', 'set-quantity'],
    positionals: ['subscription', 'quantity'],
    summary: 'csp subscription set-quantity <subscription> <n>   (0 terminates)',
    async run({ args, context }) {
      const queued = await setQuantity({ db: context.db, secretBox: context.secretBox, clock: systemClock }, args.subscription!, args.quantity!, cliActor());
      return finish(context, queued, queued.change.kind === 'terminate' ? 'terminated' : `quantity set to ${args.quantity}`);
    },
  },
  {
    words: ['csp', 'subscription', 'terminate'],
    positionals: ['subscription'],
    summary: 'csp subscription terminate <subscription>',
    async run({ args, context }) {
      return finish(context, await terminateSubscription({ db: context.db, secretBox: context.secretBox, clock: systemClock }, args.subscription!, cliActor()), 'terminated');
    },
  },
  {
    words: ['csp', 'subscription', 'auto-renew'],
    positionals: ['subscription', 'state'],
    summary: 'csp subscription auto-renew <subscription> on|off',
    async run({ args, context }) {
      return finish(context, await setAutoRenew({ db: context.db, secretBox: context.secretBox, clock: systemClock }, args.subscription!, args.state!, cliActor()), `auto-renew ${args.state}`);
    },
  },
  {
    words: ['csp', 'subscription', 'schedule-quantity'],
    positionals: ['subscription', 'quantity'],
    summary: 'csp subscription schedule-quantity <subscription> <n>   (for the next term)',
    async run({ args, context }) {
      return finish(context, await scheduleQuantity({ db: context.db, secretBox: context.secretBox, clock: systemClock }, args.subscription!, args.quantity!, cliActor()), `next term: ${args.quantity} licences`);
    },
  },
  {
    words: ['csp', 'billing', 'export'],
    positionals: ['partner'],
    options: { since: { type: 'string' }, format: { type: 'string' } },
    summary: 'csp billing export <partner> [--since <date>] [--format csv|json]',
    async run({ args, options, context }) {
      const format = typeof options.format === 'string' ? options.format : 'csv';
      if (format !== 'csv' && format !== 'json') throw new LanyardError('CSP_BILLING_FORMAT_INVALID', `--format is csv or json; got "${format}"`);
      const partner = await requirePartner(context.db, args.partner!);
      const lines = await billingLines(context.db, partner.id, parseSince(typeof options.since === 'string' ? options.since : undefined));
      // The CLI ends the text with "\n": the CSV leaves out its last one, so every row still ends in CRLF.
      return { json: lines, text: format === 'json' ? JSON.stringify(lines, null, 2) : toCsv(lines).slice(0, -1) };
    },
  },
];
