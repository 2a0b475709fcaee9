import type { Client } from '@microsoft/microsoft-graph-client';
import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { readProvisioningSettings, updateProvisioningSettings } from '../data/provisioning-settings.ts';
import type { Organization } from '../../core/db/schema.ts';
import type { DefaultLicence, ProvisioningSettings } from '../data/tables.ts';
import { withGraphRetry, type GraphCallStats } from '../graph/retry.ts';

/** A tenant subscription as admins see it: which SKU, how many seats, how many free. */
export interface SkuSeats {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly capabilityStatus: string;
  readonly enabled: number;
  readonly consumed: number;
  readonly free: number;
}

/** The tenant's subscribedSkus, read fresh (Graph: free seats = prepaidUnits.enabled − consumedUnits). */
export async function readSubscribedSkus(client: Client, stats?: GraphCallStats): Promise<SkuSeats[]> {
  const answer = (await withGraphRetry(() => client.api('/subscribedSkus').select('skuId,skuPartNumber,capabilityStatus,consumedUnits,prepaidUnits').get(), { stats })) as {
    value: { skuId: string; skuPartNumber: string; capabilityStatus: string; consumedUnits: number; prepaidUnits: { enabled: number } }[];
  };
  return answer.value.map((sku) => ({
    skuId: sku.skuId,
    skuPartNumber: sku.skuPartNumber,
    capabilityStatus: sku.capabilityStatus,
    enabled: sku.prepaidUnits.enabled,
    consumed: sku.consumedUnits,
    free: Math.max(0, sku.prepaidUnits.enabled - sku.consumedUnits),
  }));
}

export function parseDefaultLicences(settings: Pick<ProvisioningSettings, 'defaultLicences'>): DefaultLicence[] {
  return JSON.parse(settings.defaultLicences) as DefaultLicence[];
}

/**
 * Sets the organization's default licence list from SKU part numbers or SKU ids, each checked
 * against the tenant's subscribedSkus (an empty list clears it).
 *
 * @example
 *   await setDefaultLicences(db, client, organization, ['ENTERPRISEPACK'], 'cli');
 */
export async function setDefaultLicences(db: Db, client: Client, organization: Organization, references: readonly string[], actor: string): Promise<DefaultLicence[]> {
  const skus = references.length === 0 ? [] : await readSubscribedSkus(client);
  const chosen = references.map((reference) => {
    const sku = skus.find((candidate) => candidate.skuId.toLowerCase() === reference.toLowerCase() || candidate.skuPartNumber.toLowerCase() === reference.toLowerCase());
    if (!sku) {
      throw new LanyardError('LICENCE_UNKNOWN', `the tenant has no subscription "${reference}"; \`lanyard licences list ${organization.slug}\` shows the ones it has`, { reference });
    }
    return { skuId: sku.skuId, skuPartNumber: sku.skuPartNumber };
  });
  const unique = [...new Map(chosen.map((licence) => [licence.skuId, licence])).values()];
  await updateProvisioningSettings(db, organization.id, { defaultLicences: JSON.stringify(unique) });
  await recordAuditEvent(db, { actor, action: 'provisioning.default-licences', target: organization.slug, outcome: 'success', details: { licences: unique.map((licence) => licence.skuPartNumber) } });
  return unique;
}

/** The default list with live seat counts, plus the tenant's other subscriptions. */
export async function listLicences(db: Db, client: Client, organization: Organization): Promise<{ skus: (SkuSeats & { isDefault: boolean })[]; missingDefaults: DefaultLicence[] }> {
  const defaults = parseDefaultLicences(await readProvisioningSettings(db, organization.id));
  const skus = await readSubscribedSkus(client);
  return {
    skus: skus.map((sku) => ({ ...sku, isDefault: defaults.some((licence) => licence.skuId === sku.skuId) })),
    missingDefaults: defaults.filter((licence) => !skus.some((sku) => sku.skuId === licence.skuId)),
  };
}

/**
 * Free seats during a run: taken one by one, so an account whose licence has no seat left is
 * reported at once instead of spending a Graph write on a certain refusal. Graph stays the
 * authority (another admin may assign seats meanwhile).
 */
export class SeatLedger {
  readonly #free = new Map<string, number>();

  constructor(skus: readonly SkuSeats[]) {
    for (const sku of skus) this.#free.set(sku.skuId, sku.capabilityStatus === 'Enabled' ? sku.free : 0);
  }

  take(skuId: string): boolean {
    const free = this.#free.get(skuId) ?? 0;
    if (free <= 0) return false;
    this.#free.set(skuId, free - 1);
    return true;
  }

  /** Gives back a seat Graph did not use after all (the assignment failed). */
  release(skuId: string): void {
    this.#free.set(skuId, (this.#free.get(skuId) ?? 0) + 1);
  }
}
