import { applyCustomerSeed, customerSchema } from '../../emulator/partner-center/seed.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import type { CspWorld } from './csp-harness.ts';

export const e3SkuId = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const basicSkuId = '3b555118-da6a-4418-894f-7df1e2096870';
export const premiumPlan = { servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d', servicePlanName: 'AAD_PREMIUM' };

/** The Graph permissions the partner app is consented for in a customer tenant (by its admin, or Partner Center). */
export const graphScopes = [
  'https://graph.microsoft.com/User.ReadWrite.All',
  'https://graph.microsoft.com/Directory.Read.All',
  'https://graph.microsoft.com/LicenseAssignment.ReadWrite.All',
];

export interface CustomerTenantOptions {
  /** Consented Graph scopes in the tenant; [] for none (no service principal either). */
  readonly scopes?: readonly string[];
  readonly users?: readonly Record<string, unknown>[];
  readonly skus?: readonly Record<string, unknown>[];
  readonly domains?: readonly Record<string, unknown>[];
}

/**
 * A customer tenant of the world's partner (a Partner Center customer with a DAP relationship), a
 * verified custom domain `<name>.example`, an unverified `<name>-new.example`, an admin and the
 * given users and SKUs; the partner app consented for `scopes`.
 */
export function customerTenant(world: CspWorld, name: string, options: CustomerTenantOptions = {}): Tenant {
  const scopes = options.scopes ?? graphScopes;
  const tenant = applyTenantSeed(
    world.emulator.state,
    tenantSchema.parse({
      name,
      domains: options.domains ?? [{ id: `${name}.example`, isVerified: true }, { id: `${name}-new.example`, isVerified: false }],
      users: [{ userPrincipalName: `admin@${name}.onmicrosoft.com`, password: 'Admin-Passw0rd!', directoryRoles: ['Global Administrator'] }, ...(options.users ?? [])],
      skus: options.skus ?? [{ skuId: e3SkuId, skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: 2 }],
      consents: scopes.length > 0 ? [{ clientId: world.partnerTenant.apps[0]!.clientId, scopes }] : [],
    }),
  );
  applyCustomerSeed(world.emulator.state, customerSchema.parse({ tenant: tenant.id, partner: world.partnerTenant.id }));
  return tenant;
}
