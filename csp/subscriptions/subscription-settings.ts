import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import type { CspPartner } from '../data/tables.ts';

/** A partner's subscription settings, as `csp partner subscription-settings` prints them. */
export interface SubscriptionSettings {
  readonly partner: string;
  /** New subscriptions are co-termed with the customer's first one, on its renewal period. */
  readonly alignRenewals: boolean;
  /** Quantities below the licences assigned to users are refused. */
  readonly preventDecreaseBelowConsumed: boolean;
  /** Days between a legacy termination (suspension) and the deletion. */
  readonly legacyTerminationDays: number;
  /** Most licences one customer may hold through Lanyard; null = unlimited. */
  readonly licenceCapPerCustomer: number | null;
}

export interface SettingsChange {
  readonly alignRenewals?: string;
  readonly preventDecrease?: string;
  readonly legacyTerminationDays?: string;
  readonly licenceCap?: string;
}

const onOff = (value: string, option: string): number => {
  if (value === 'on') return 1;
  if (value === 'off') return 0;
  throw new LanyardError('CSP_SETTING_INVALID', `--${option} is on or off; got "${value}"`);
};

const wholeNumber = (value: string, option: string, max: number): number => {
  if (!/^\d{1,6}$/.test(value) || Number(value) > max) throw new LanyardError('CSP_SETTING_INVALID', `--${option} is a whole number from 0 to ${max}; got "${value}"`);
  return Number(value);
};

export function settingsView(partner: CspPartner): SubscriptionSettings {
  return {
    partner: partner.slug,
    alignRenewals: partner.alignRenewals === 1,
    preventDecreaseBelowConsumed: partner.preventDecreaseBelowConsumed === 1,
    legacyTerminationDays: partner.legacyTerminationDays,
    licenceCapPerCustomer: partner.licenceCapPerCustomer < 0 ? null : partner.licenceCapPerCustomer,
  };
}

/**
 * Shows, and with options changes, a partner's subscription settings (stored per partner, migration
 * 0013, because two resellers served by one Lanyard may sell differently). Everything is checked
 * before anything is written; a change is audited.
 */
export async function subscriptionSettings(db: Db, name: string, change: SettingsChange, actor: string): Promise<SubscriptionSettings> {
  const partner = await requirePartner(db, name);
  const set: Partial<Pick<CspPartner, 'alignRenewals' | 'preventDecreaseBelowConsumed' | 'legacyTerminationDays' | 'licenceCapPerCustomer'>> = {};
  if (change.alignRenewals !== undefined) set.alignRenewals = onOff(change.alignRenewals, 'align-renewals');
  if (change.preventDecrease !== undefined) set.preventDecreaseBelowConsumed = onOff(change.preventDecrease, 'prevent-decrease');
  if (change.legacyTerminationDays !== undefined) set.legacyTerminationDays = wholeNumber(change.legacyTerminationDays, 'legacy-termination-days', 3650);
  if (change.licenceCap !== undefined) set.licenceCapPerCustomer = change.licenceCap === 'unlimited' ? -1 : wholeNumber(change.licenceCap, 'licence-cap', 1_000_000);
  if (Object.keys(set).length === 0) return settingsView(partner);
  await db.updateTable('cspPartners').set({ ...set, updatedAt: new Date().toISOString() }).where('id', '=', partner.id).execute();
  await recordAuditEvent(db, { actor, action: 'csp.partner.subscription-settings', target: partner.slug, outcome: 'success', details: set });
  return settingsView((await requirePartner(db, name)));
}
