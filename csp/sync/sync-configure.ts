import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { readSyncSettings, writeSyncSettings, type SyncSettings } from '../data/sync-settings.ts';
import { matchFields, type MatchField } from '../data/sync-tables.ts';
import type { CspPartner } from '../data/tables.ts';

/** What `csp sync configure` (and the portal's Sync page) may change, as typed: each left out keeps its value. */
export interface SyncSettingsInput {
  /** `upn,mail,login` in the order to try, each once. */
  readonly match?: string | undefined;
  readonly ignoreAccountEnabled?: string | undefined;
  /** A group's display name, or `none`. */
  readonly billingGroup?: string | undefined;
  /** skuIds, comma-separated, or `none`. */
  readonly billingLicences?: string | undefined;
  readonly signInActivity?: string | undefined;
}

function onOff(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new LanyardError('USAGE', `--${name} takes on or off`, { option: name });
}

const skuIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The partner's sync settings changed as asked: every value is checked before the whole row is
 * written (CSP_MATCH_FIELD_INVALID, USAGE), then audited as `csp.sync.configure`.
 */
export async function configureSync(db: Db, partner: CspPartner, input: SyncSettingsInput, actor: string, now: Date): Promise<SyncSettings> {
  const current = await readSyncSettings(db, partner.id);
  let fields: MatchField[] | undefined;
  if (input.match !== undefined) {
    fields = input.match.split(',').map((field) => field.trim().toLowerCase()) as MatchField[];
    const bad = fields.filter((field) => !matchFields.includes(field));
    if (bad.length > 0 || new Set(fields).size !== fields.length) {
      throw new LanyardError('CSP_MATCH_FIELD_INVALID', `--match takes ${matchFields.join(', ')} in the order to try, each once (got ${input.match})`, { invalid: bad });
    }
  }
  const billing = input.billingLicences?.trim();
  const skuIds = billing === undefined ? undefined : billing === 'none' || billing === '' ? [] : billing.split(',').map((id) => id.trim().toLowerCase()).filter(Boolean);
  if (skuIds?.some((id) => !skuIdPattern.test(id))) throw new LanyardError('USAGE', '--billing-licences takes skuIds (GUIDs), comma-separated, or none', {});
  const group = input.billingGroup?.trim();
  if (group !== undefined && group.length > 256) throw new LanyardError('USAGE', '--billing-group takes a group name of at most 256 characters, or none', {});
  const ignoreAccountEnabled = onOff('ignore-account-enabled', input.ignoreAccountEnabled);
  const signInActivity = onOff('sign-in-activity', input.signInActivity);
  const settings: SyncSettings = {
    ...current,
    ...(fields ? { matchFields: fields } : {}),
    ...(ignoreAccountEnabled !== undefined ? { ignoreAccountEnabled } : {}),
    ...(skuIds ? { billingSkuIds: skuIds } : {}),
    ...(group !== undefined ? { billingGroup: group === 'none' || group === '' ? null : group } : {}),
    ...(signInActivity !== undefined ? { signInActivity } : {}),
  };
  await writeSyncSettings(db, partner.id, settings, now);
  await recordAuditEvent(db, { actor, action: 'csp.sync.configure', target: partner.slug, outcome: 'success', details: { ...settings } }, now);
  return settings;
}
