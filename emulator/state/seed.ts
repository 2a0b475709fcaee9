import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { applyPartnerCenterSeed, partnerCenterSeedSchema } from '../partner-center/seed.ts';
import { directoryRoleNames } from './directory-roles.ts';
import { assertDomainCanBeFederated, federateDomain, mergeFederationConfiguration } from './federation.ts';
import type { Tenant } from './model.ts';
import { EmulatorStateError, type EmulatorState } from './store.ts';

/** Seed schemas; the same shapes are accepted by the `/_emulator/` API. See emulator/README.md. */
export const appSchema = z.strictObject({
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1),
  displayName: z.string().optional(),
  roles: z.array(z.string()).default([]),
  redirectUris: z.array(z.url()).default([]),
});

export const userSchema = z.strictObject({
  id: z.uuid().optional(),
  userPrincipalName: z.string().regex(/^[^@\s]+@[^@\s]+$/),
  displayName: z.string().optional(),
  mailNickname: z.string().optional(),
  accountEnabled: z.boolean().optional(),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  usageLocation: z.string().length(2).optional(),
  onPremisesImmutableId: z.string().optional(),
  password: z.string().optional(),
  directoryRoles: z.array(z.enum(directoryRoleNames)).optional(),
  mfaRegistered: z.boolean().optional(),
  conditionalAccessBlocked: z.boolean().optional(),
});

export const domainSchema = z.strictObject({
  id: z.string().min(3),
  isVerified: z.boolean().optional(),
  isDefault: z.boolean().optional(),
  authenticationType: z.enum(['Managed', 'Federated']).optional(),
  /** Body of Graph's POST federationConfiguration, applied with Graph's validation. */
  federationConfiguration: z.record(z.string(), z.unknown()).optional(),
});

export const skuSchema = z.strictObject({
  skuId: z.uuid(),
  skuPartNumber: z.string().min(1),
  prepaidUnits: z.number().int().min(0),
  servicePlans: z.array(z.strictObject({ servicePlanId: z.uuid(), servicePlanName: z.string() })).optional(),
});

export const throttleSchema = z.strictObject({
  resourceUnitsPerWindow: z.number().int().positive().optional(),
  windowSeconds: z.number().positive().optional(),
  writesPerWindow: z.number().int().positive().optional(),
  writeWindowSeconds: z.number().positive().optional(),
});

/** Tenant-wide (admin) consent of an app, which also gives it a service principal in the tenant. */
export const consentSchema = z.strictObject({
  clientId: z.string().min(1),
  /** Full-form delegated scopes, e.g. `https://graph.microsoft.com/User.ReadWrite.All`. */
  scopes: z.array(z.string().min(1)).default([]),
  /** Consent of one user instead of the whole tenant. */
  userPrincipalName: z.string().optional(),
});

export const tenantSchema = z.strictObject({
  id: z.uuid().optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/i),
  displayName: z.string().optional(),
  apps: z.array(appSchema).default([]),
  domains: z.array(domainSchema).default([]),
  users: z.array(userSchema).default([]),
  skus: z.array(skuSchema).default([]),
  throttle: throttleSchema.optional(),
  consents: z.array(consentSchema).default([]),
  /** Partner tenants with a delegated-admin relationship to this (customer) tenant. */
  partnerTenantIds: z.array(z.string().min(1)).default([]),
});

export const seedSchema = z.strictObject({
  tenants: z.array(tenantSchema),
  partnerCenter: partnerCenterSeedSchema.optional(),
  /** `host:port` of the DNS server domain verification resolves through (an option given to startEmulator wins). */
  dnsServer: z.string().regex(/^[^\s:]+(:\d{1,5})?$/).optional(),
});

export type TenantSeed = z.infer<typeof tenantSchema>;
export type DomainSeed = z.infer<typeof domainSchema>;
export type ConsentSeed = z.infer<typeof consentSchema>;

/** Creates a whole tenant: apps, domains (federated ones included), users, SKUs. */
export function applyTenantSeed(state: EmulatorState, seed: TenantSeed): Tenant {
  const tenant = state.createTenant({
    ...(seed.id ? { id: seed.id } : {}),
    name: seed.name,
    ...(seed.displayName ? { displayName: seed.displayName } : {}),
    apps: seed.apps,
    ...(seed.throttle ? { throttle: definedOnly(seed.throttle) } : {}),
  });
  for (const domain of seed.domains) applyDomainSeed(state, tenant, domain);
  for (const user of seed.users) state.addUser(tenant, definedOnly(user));
  for (const sku of seed.skus) state.addSku(tenant, definedOnly(sku));
  for (const consent of seed.consents) applyConsentSeed(state, tenant, consent);
  for (const partnerTenantId of seed.partnerTenantIds) state.delegatedAccess.relationships.add(partnerTenantId, tenant.id);
  return tenant;
}

export function applyConsentSeed(state: EmulatorState, tenant: Tenant, seed: ConsentSeed): void {
  let userId: string | undefined;
  if (seed.userPrincipalName !== undefined) {
    userId = tenant.users.byPrincipalName(seed.userPrincipalName)?.id;
    if (!userId) throw new EmulatorStateError(`${seed.userPrincipalName} is not a user of tenant ${tenant.id}`);
  }
  state.delegatedAccess.consents.grant({ tenantId: tenant.id, clientId: seed.clientId, userId, scopes: seed.scopes });
}

export function applyDomainSeed(state: EmulatorState, tenant: Tenant, seed: DomainSeed): void {
  const { federationConfiguration, ...domainInput } = seed;
  const domain = state.addDomain(tenant, definedOnly(domainInput));
  if (federationConfiguration) {
    assertDomainCanBeFederated(tenant, domain);
    federateDomain(tenant, domain, mergeFederationConfiguration(state, domain, undefined, federationConfiguration));
  }
}

/** Applies a seed file to the state; returns the settings it carries that are not state (the DNS server). */
export async function loadSeedFile(state: EmulatorState, seedPath: string): Promise<{ dnsServer: string | undefined }> {
  const seed = seedSchema.parse(JSON.parse(await readFile(seedPath, 'utf8')));
  for (const tenant of seed.tenants) applyTenantSeed(state, tenant);
  if (seed.partnerCenter) applyPartnerCenterSeed(state, seed.partnerCenter);
  return { dnsServer: seed.dnsServer };
}

/** zod gives `undefined` for absent optional keys; the state API wants them absent. */
export function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
