import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EmulatorState } from '../state/store.ts';
import { EmulatorStateError } from '../state/store.ts';
import { resolvePurchasable } from './catalog.ts';
import { syncLicencePool } from './licence-pool.ts';
import type { Catalog, Partner } from './model.ts';
import { newSubscription } from './purchase.ts';
import { emptyCatalog } from './store.ts';
import { termEnd } from './terms.ts';

/** The seed file's `partnerCenter` section (emulator/README.md); the control API takes the same shapes. */
/**
 * EMULATOR CHOICE: `listPrice` is per licence for one full term, in `currencyCode`; without one a
 * term costs 6.00 USD a month of its duration (72.00 a year), legacy offers 240.00 USD a year;
 * `listPrice: null` leaves the term without one, as real Partner Center's catalog is.
 */
const termSchema = z.strictObject({
  duration: z.enum(['P1M', 'P1Y', 'P3Y']),
  billingCycle: z.enum(['monthly', 'annual']),
  description: z.string().optional(),
  listPrice: z.number().min(0).nullable().optional(),
  currencyCode: z.string().length(3).default('USD'),
});
const monthsOf = { P1M: 1, P1Y: 12, P3Y: 36 } as const;
const skuSchema = z.strictObject({
  id: z.string().min(1),
  title: z.string().min(1),
  minimumQuantity: z.number().int().min(1).default(1),
  maximumQuantity: z.number().int().min(1).default(300),
  licenseSkuId: z.uuid(),
  skuPartNumber: z.string().min(1),
  availabilities: z.array(z.strictObject({ id: z.string().min(1), terms: z.array(termSchema).min(1) })).min(1),
});
export const catalogSchema = z.strictObject({
  countries: z.array(z.string().length(2)).default(['US']),
  mcaTemplateId: z.uuid().optional(),
  products: z.array(z.strictObject({ id: z.string().min(1), title: z.string().min(1), description: z.string().optional(), skus: z.array(skuSchema).min(1) })).default([]),
  offers: z.array(z.strictObject({
    id: z.string().min(1), name: z.string().min(1), minimumQuantity: z.number().int().min(1).default(1), maximumQuantity: z.number().int().min(1).default(300),
    licenseSkuId: z.uuid(), skuPartNumber: z.string().min(1),
    listPrice: z.number().min(0).default(240), currencyCode: z.string().length(3).default('USD'),
  })).default([]),
});
export const partnerThrottleSchema = z.strictObject({
  enabled: z.boolean().optional(),
  requestsPerWindow: z.number().int().positive().optional(),
  windowSeconds: z.number().positive().optional(),
});
export const partnerSchema = z.strictObject({
  /** Name or id of a tenant of the seed: the partner's own tenant. */
  tenant: z.string().min(1),
  mpnId: z.string().min(1).default('1234567'),
  throttle: partnerThrottleSchema.optional(),
  slowChangeShare: z.number().min(0).max(1).default(0),
  slowChangeSeconds: z.number().positive().default(30),
});
export const customerSchema = z.strictObject({
  /** Name or id of an existing tenant that becomes the partner's customer. */
  tenant: z.string().min(1),
  partner: z.string().min(1),
  mcaAccepted: z.boolean().default(true),
  /** The indirect reseller the customer is sold through (`associatedPartnerId`). */
  associatedPartnerId: z.string().min(1).optional(),
  subscriptions: z.array(z.strictObject({
    offerId: z.string().min(1),
    quantity: z.number().int().min(1),
    termDuration: z.enum(['P1M', 'P1Y', 'P3Y']).optional(),
    billingCycle: z.enum(['monthly', 'annual']).default('monthly'),
    /** How long ago it was bought: 0 keeps it inside the 7-day window. */
    purchasedDaysAgo: z.number().min(0).default(0),
  })).default([]),
});
export const partnerCenterSeedSchema = z.strictObject({
  partners: z.array(partnerSchema).default([]),
  catalog: catalogSchema.optional(),
  customers: z.array(customerSchema).default([]),
});

export type PartnerCenterSeed = z.infer<typeof partnerCenterSeedSchema>;

/** EMULATOR CHOICE: default throttle of 300 requests per 60 s per partner, on. */
export const defaultPartnerThrottle = Object.freeze({ enabled: true, requestsPerWindow: 300, windowSeconds: 60 });

function tenantOrThrow(state: EmulatorState, idOrName: string) {
  const tenant = state.tenants.get(idOrName) ?? [...state.tenants.values()].find((candidate) => candidate.name === idOrName);
  if (!tenant) throw new EmulatorStateError(`partnerCenter: tenant ${idOrName} is not in the seed`, 'not-found');
  return tenant;
}

export function applyPartnerSeed(state: EmulatorState, seed: z.infer<typeof partnerSchema>): Partner {
  const tenant = tenantOrThrow(state, seed.tenant);
  const partner: Partner = {
    tenantId: tenant.id,
    mpnId: seed.mpnId,
    throttle: { ...defaultPartnerThrottle, ...Object.fromEntries(Object.entries(seed.throttle ?? {}).filter(([, value]) => value !== undefined)) },
    slowChangeShare: seed.slowChangeShare,
    slowChangeSeconds: seed.slowChangeSeconds,
    slowChangeCredit: 0,
  };
  state.partnerCenter.partners.set(tenant.id, partner);
  return partner;
}

export function catalogFromSeed(seed: z.infer<typeof catalogSchema>): Catalog {
  return {
    countries: seed.countries.map((country) => country.toUpperCase()),
    mcaTemplateId: seed.mcaTemplateId ?? emptyCatalog.mcaTemplateId,
    offers: seed.offers.map(({ listPrice, currencyCode, ...offer }) => ({ ...offer, price: { listPrice, currencyCode } })),
    products: seed.products.map((product) => ({
      ...product,
      description: product.description ?? product.title,
      skus: product.skus.map((sku) => ({
        ...sku,
        availabilities: sku.availabilities.map((availability) => ({
          id: availability.id,
          terms: availability.terms.map(({ listPrice, currencyCode, ...term }) => ({
            ...term,
            description: term.description ?? `${term.duration} term, billed ${term.billingCycle}`,
            price: listPrice === null ? null : { listPrice: listPrice ?? 6 * monthsOf[term.duration], currencyCode },
          })),
        })),
      })),
    })),
  };
}

/** Makes an existing tenant a customer of a partner, with subscriptions bought `purchasedDaysAgo`. */
export function applyCustomerSeed(state: EmulatorState, seed: z.infer<typeof customerSchema>): void {
  const tenant = tenantOrThrow(state, seed.tenant);
  const partnerTenant = tenantOrThrow(state, seed.partner);
  if (!state.partnerCenter.partners.has(partnerTenant.id)) throw new EmulatorStateError(`partnerCenter: ${seed.partner} is not a partner`);
  const initialDomain = [...tenant.domains.values()].find((domain) => domain.isInitial)?.id ?? `${tenant.name}.onmicrosoft.com`;
  state.partnerCenter.customers.set(tenant.id, {
    id: tenant.id,
    partnerTenantId: partnerTenant.id,
    commerceId: randomUUID(),
    companyName: tenant.displayName,
    domain: initialDomain,
    billingProfile: { id: randomUUID(), companyName: tenant.displayName, attributes: { objectType: 'CustomerBillingProfile' } },
    ...(seed.associatedPartnerId ? { associatedPartnerId: seed.associatedPartnerId } : {}),
    agreements: seed.mcaAccepted
      ? [{ primaryContact: { firstName: 'Seeded', lastName: 'Contact', email: `admin@${initialDomain}` }, templateId: state.partnerCenter.catalog.mcaTemplateId, dateAgreed: new Date(state.now()).toISOString(), type: 'MicrosoftCustomerAgreement', userId: randomUUID() }]
      : [],
    applicationConsents: new Map(),
  });
  state.delegatedAccess.relationships.add(partnerTenant.id, tenant.id);
  for (const line of seed.subscriptions) {
    const purchasable = resolvePurchasable(state.partnerCenter.catalog, line.offerId, line.termDuration, line.billingCycle);
    const start = state.now() - line.purchasedDaysAgo * 24 * 60 * 60 * 1000;
    const subscription = newSubscription(tenant.id, randomUUID().replaceAll('-', ''), purchasable, line.quantity, start, termEnd(start, purchasable.termDuration), undefined);
    state.partnerCenter.subscriptions.set(subscription.id, subscription);
  }
  syncLicencePool(state, tenant.id);
}

export function applyPartnerCenterSeed(state: EmulatorState, seed: PartnerCenterSeed): void {
  if (seed.catalog) state.partnerCenter.catalog = catalogFromSeed(seed.catalog);
  for (const partner of seed.partners) applyPartnerSeed(state, partner);
  for (const customer of seed.customers) applyCustomerSeed(state, customer);
}
