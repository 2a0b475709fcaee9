import type { EmulatorState } from '../state/store.ts';

/**
 * Makes the customer tenant's Graph `subscribedSkus` follow its Partner Center subscriptions: per
 * licence SKU, enabled units = the quantities of active (and pending, at their old quantity)
 * subscriptions (reference G.4). SKUs no subscription refers to are left as seeded.
 */
export function syncLicencePool(state: EmulatorState, customerId: string): void {
  const tenant = state.tenants.get(customerId);
  if (!tenant) return;
  const units = new Map<string, { skuPartNumber: string; units: number }>();
  for (const subscription of state.partnerCenter.subscriptionsOf(customerId)) {
    const entry = units.get(subscription.licenseSkuId) ?? { skuPartNumber: subscription.skuPartNumber, units: 0 };
    if (subscription.status === 'active' || subscription.status === 'pending') entry.units += subscription.quantity;
    units.set(subscription.licenseSkuId, entry);
  }
  for (const [skuId, entry] of units) {
    const sku = tenant.skus.get(skuId) ?? state.addSku(tenant, { skuId, skuPartNumber: entry.skuPartNumber, prepaidUnits: 0 });
    sku.enabledUnits = entry.units;
    sku.capabilityStatus = entry.units > 0 ? 'Enabled' : 'Suspended';
  }
}
