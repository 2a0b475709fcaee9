import type { Organization } from '../../core/db/schema.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import { readProvisioningSettings } from '../../provisioning/data/provisioning-settings.ts';
import type { DefaultLicence } from '../../provisioning/data/tables.ts';
import { listLicences, parseDefaultLicences, setDefaultLicences, type SkuSeats } from '../../provisioning/licences/licences.ts';
import { setAutoProvisioning, setDefaultUsageLocation, setProvisioningThreshold } from '../../provisioning/runs/run-admin.ts';
import { graphFailure, openTenantGraph } from '../../provisioning/tenant/graph-client.ts';
import { organizationTarget, requireCan } from '../admins.ts';
import type { Admin } from '../policy.ts';
import type { FederationContext } from './domains.ts';

/**
 * The Provisioning page's settings over the provisioning module's own functions (the ones `lanyard
 * licences …` and `lanyard org set-…` call): the deletion threshold, auto-provisioning, and the
 * default licences with the tenant's seats read fresh through the organization's Graph client.
 */

export interface ProvisioningSettingsView {
  readonly autoProvisioning: boolean;
  /** Since when auto-provisioning exports changed accounts (null while off or never on). */
  readonly autoSince: string | null;
  readonly deletionThreshold: number;
  readonly defaultLicences: readonly DefaultLicence[];
  readonly defaultUsageLocation: string | null;
}

/** The tenant's subscriptions with seats, or why they cannot be read (no tenant, Microsoft unreachable). */
export type LicencesView =
  | { readonly available: true; readonly skus: ReadonlyArray<SkuSeats & { isDefault: boolean }>; readonly missingDefaults: readonly DefaultLicence[] }
  | { readonly available: false; readonly error: { readonly code: string; readonly message: string } };

export async function organizationProvisioningSettings(context: FederationContext, admin: Admin, organization: Organization): Promise<ProvisioningSettingsView> {
  requireCan(admin, 'provisioning.view', await organizationTarget(context.db, organization));
  const settings = await readProvisioningSettings(context.db, organization.id);
  return {
    autoProvisioning: settings.autoProvisioning === 1,
    autoSince: settings.autoProvisioning === 1 ? settings.autoWatermark : null,
    deletionThreshold: settings.deletionThreshold,
    defaultLicences: parseDefaultLicences(settings),
    defaultUsageLocation: settings.defaultUsageLocation,
  };
}

export async function organizationLicences(context: FederationContext, admin: Admin, organization: Organization): Promise<LicencesView> {
  requireCan(admin, 'provisioning.view', await organizationTarget(context.db, organization));
  try {
    const { client } = await openTenantGraph(context, organization.id);
    // graphFailure: Graph's refusal, an unreachable Microsoft or a token failure, each as its LanyardError.
    return { available: true, ...(await listLicences(context.db, client, organization).catch(graphFailure(client, 'reading the tenant\'s subscriptions'))) };
  } catch (error) {
    // The page still shows the rest; the reason is shown where the seats would be.
    if (isLanyardError(error) && (error.expose || error.code === 'GRAPH_REQUEST_FAILED')) return { available: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}

/** The default licences, each checked against the tenant's subscriptions; the usage location with them (Graph licenses only accounts with one). */
export async function changeDefaultLicences(
  context: FederationContext, admin: Admin, organization: Organization, input: { skuIds: readonly string[]; usageLocation: string },
): Promise<DefaultLicence[]> {
  requireCan(admin, 'provisioning.settings', await organizationTarget(context.db, organization));
  if (input.skuIds.length > 50) throw new LanyardError('API_REQUEST_INVALID', 'at most 50 default licences');
  const usageLocation = input.usageLocation.trim() === '' ? null : input.usageLocation;
  // Checked before anything is written, so a bad country leaves the licences as they were.
  if (usageLocation !== null && !/^[A-Za-z]{2}$/.test(usageLocation.trim())) {
    throw new LanyardError('USAGE_LOCATION_INVALID', 'the usage location is a two-letter country code (ISO 3166-1), e.g. US or GB');
  }
  const { client } = await openTenantGraph(context, organization.id);
  const licences = await setDefaultLicences(context.db, client, organization, input.skuIds, admin.actor);
  await setDefaultUsageLocation(context.db, organization.slug, usageLocation, admin.actor);
  return licences;
}

export async function changeAutoProvisioning(context: FederationContext, admin: Admin, organization: Organization, state: string): Promise<boolean> {
  requireCan(admin, 'provisioning.settings', await organizationTarget(context.db, organization));
  if (state !== 'on' && state !== 'off') throw new LanyardError('API_REQUEST_INVALID', 'auto-provisioning is on or off');
  await setAutoProvisioning(context.db, organization.slug, state === 'on', admin.actor);
  return state === 'on';
}

/** The threshold from a form field: digits only (no "1e3", no "-0", no blank meaning 0). */
export async function changeDeletionThreshold(context: FederationContext, admin: Admin, organization: Organization, text: string): Promise<number> {
  requireCan(admin, 'provisioning.threshold', await organizationTarget(context.db, organization));
  const trimmed = text.trim();
  if (!/^\d{1,7}$/.test(trimmed)) throw new LanyardError('THRESHOLD_INVALID', 'the threshold is a whole number of accounts, 0 or more (at most 9,999,999)');
  const threshold = Number(trimmed);
  await setProvisioningThreshold(context.db, organization.slug, threshold, admin.actor);
  return threshold;
}
