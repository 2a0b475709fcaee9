import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { listBillingLines } from '../data/subscriptions.ts';
import type { PriceSource } from '../data/tables.ts';
import { formatMinor } from './proration.ts';

/** One exported billing line (JSON field names; the CSV has the same columns in this order). */
export interface BillingLineView {
  readonly id: string;
  readonly createdAt: string;
  readonly customer: string;
  readonly customerTenantId: string;
  readonly subscription: string;
  readonly partnerCenterSubscriptionId: string | null;
  readonly offerId: string;
  readonly kind: 'purchase' | 'increase';
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: string;
  readonly share: string;
  readonly amount: string;
  readonly currency: string;
  readonly priceSource: PriceSource;
  readonly periodStart: string;
  readonly periodEnd: string;
}

export const billingColumns: readonly (keyof BillingLineView)[] = ['id', 'createdAt', 'customer', 'customerTenantId', 'subscription', 'partnerCenterSubscriptionId', 'offerId', 'kind', 'description', 'quantity', 'unitPrice', 'share', 'amount', 'currency', 'priceSource', 'periodStart', 'periodEnd'];

/** `--since 2026-07-01` (a day, UTC) or a full ISO timestamp. */
export function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00.000Z`) : new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new LanyardError('CSP_DATE_INVALID', `--since takes a date such as 2026-07-01; got "${value}"`);
  return date;
}

/** The partner's billing lines since a date, oldest first, with the customer and subscription named. */
export async function billingLines(db: Db, partnerId: string, since?: Date): Promise<BillingLineView[]> {
  const lines = await listBillingLines(db, partnerId, since);
  if (lines.length === 0) return [];
  const customers = new Map((await db.selectFrom('cspCustomers').select(['id', 'domain', 'tenantId']).where('partnerId', '=', partnerId).execute()).map((row) => [row.id, row]));
  const subscriptions = new Map((await db.selectFrom('cspSubscriptions').select(['id', 'partnerCenterId']).where('partnerId', '=', partnerId).execute()).map((row) => [row.id, row]));
  return lines.map((line) => ({
    id: line.id,
    createdAt: line.createdAt,
    customer: customers.get(line.customerId)?.domain ?? line.customerId,
    customerTenantId: customers.get(line.customerId)?.tenantId ?? '',
    subscription: line.subscriptionId,
    partnerCenterSubscriptionId: subscriptions.get(line.subscriptionId)?.partnerCenterId ?? null,
    offerId: line.offerId,
    kind: line.kind,
    description: line.description,
    quantity: line.quantity,
    unitPrice: formatMinor(line.unitPriceMinor),
    share: line.share,
    amount: formatMinor(line.amountMinor),
    currency: line.currency,
    priceSource: line.priceSource,
    periodStart: line.periodStart,
    periodEnd: line.periodEnd,
  }));
}

/** RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break. */
export function toCsv(lines: readonly BillingLineView[]): string {
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [billingColumns.join(','), ...lines.map((line) => billingColumns.map((column) => cell(line[column])).join(','))].join('\r\n') + '\r\n';
}
