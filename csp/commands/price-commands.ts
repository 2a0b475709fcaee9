import { userInfo } from 'node:os';
import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';
import { LanyardError } from '../../core/errors.ts';
import { partnerPrices, removePrice, setPrice, type PriceView } from '../prices/price-list.ts';

const cliActor = () => `cli:${userInfo().username}`;
const text = (options: Record<string, unknown>, name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
const describe = (price: PriceView) => `${price.offerId} ${price.termDuration ?? 'any term'} ${price.billingCycle ?? 'any billing'}: ${price.amount} ${price.currency} per licence and term`;

/** The partner's own price list (`csp price set | list | remove`): what it charges per licence and full term. */
export const priceCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'price', 'set'],
    positionals: ['partner', 'offer'],
    options: { amount: { type: 'string' }, currency: { type: 'string' }, term: { type: 'string' }, billing: { type: 'string' } },
    summary: 'csp price set <partner> <offer-id> --amount <decimal> --currency <ISO 4217> [--term P1M|P1Y|P3Y] [--billing monthly|annual]',
    async run({ args, options, context }) {
      const amount = text(options, 'amount');
      const currency = text(options, 'currency');
      if (amount === undefined || currency === undefined) throw new LanyardError('USAGE', 'usage: lanyard csp price set <partner> <offer-id> --amount <decimal> --currency <ISO 4217> [--term P1M|P1Y|P3Y] [--billing monthly|annual]');
      const term = text(options, 'term');
      const billing = text(options, 'billing');
      const price = await setPrice(context.db, args.partner!, { offerId: args.offer!, amount, currency, ...(term !== undefined ? { term } : {}), ...(billing !== undefined ? { billing } : {}) }, cliActor(), systemClock.now());
      return { json: price, text: `price set: ${describe(price)}` };
    },
  },
  {
    words: ['csp', 'price', 'list'],
    positionals: ['partner'],
    summary: 'csp price list <partner>',
    async run({ args, context }) {
      const prices = await partnerPrices(context.db, args.partner!);
      const rows = prices.map((price) => [price.offerId, price.termDuration ?? 'any', price.billingCycle ?? 'any', `${price.amount} ${price.currency}`]);
      return { json: prices, text: prices.length ? table(['OFFER', 'TERM', 'BILLING', 'PRICE/TERM'], rows) : `no prices for partner ${args.partner}` };
    },
  },
  {
    words: ['csp', 'price', 'remove'],
    positionals: ['partner', 'offer'],
    options: { term: { type: 'string' }, billing: { type: 'string' } },
    summary: 'csp price remove <partner> <offer-id> [--term P1M|P1Y|P3Y] [--billing monthly|annual]',
    async run({ args, options, context }) {
      const term = text(options, 'term');
      const billing = text(options, 'billing');
      await removePrice(context.db, args.partner!, { offerId: args.offer!, ...(term !== undefined ? { term } : {}), ...(billing !== undefined ? { billing } : {}) }, cliActor());
      return { json: { removed: true, offerId: args.offer!.trim().toLowerCase(), termDuration: term ?? null, billingCycle: billing ?? null }, text: `price removed: ${args.offer}${term ? ` ${term}` : ''}${billing ? ` ${billing}` : ''}` };
    },
  },
];
