import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../core/db/database.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { DelegatedTenant, DelegatedTenantAccess } from '../../core/services.ts';
import { findCustomerByOrganization } from '../data/customers.ts';
import { findPartnerById, holdsRefreshToken } from '../data/partners.ts';
import type { CspCustomer, CspPartner } from '../data/tables.ts';
import { expiryOf } from '../partner-center/access-tokens.ts';
import { ownTokenOf, redeemCustomerToken } from '../tokens/customer-tokens.ts';
import { refreshStored } from '../tokens/partner-tokens.ts';
import { partnerForCustomer } from './reseller-routing.ts';

export interface DelegatedAccessDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
}

/** A token is used until this long before its `exp`. */
const renewBeforeMs = 5 * 60_000;

/**
 * The organization's tenant through its CSP partner's delegated access (core/services.ts): for an
 * organization linked to a customer, an access token in the customer's tenant is the customer's own
 * refresh token when it holds one (redeemForCustomer decides), else the partner's refresh token
 * redeemed at that tenant's authority (`{login}/{customerTenantId}/oauth2/v2.0/token`).
 * Entra rotates the refresh token on that redemption too, so the new one is stored back by
 * compare-and-set on the one redeemed, exactly as a Partner Center redemption does. Access tokens are
 * cached per partner, tenant and scope in this process until shortly before they expire.
 *
 * The partner's app must be consented in the customer's tenant (Partner Center application consent,
 * or an admin's consent there); Entra answers AADSTS65001 / 7000229 otherwise. Such a refusal is
 * about that one customer, so it is reported but not recorded on the partner's token; a token Entra
 * calls expired or revoked is recorded (and dropped) as on any other use.
 *
 * @example
 *   const tenant = await createDelegatedTenantAccess(deps).forOrganization(organization.id);
 *   const bearer = await tenant?.accessToken('https://graph.microsoft.com/.default');
 */
export function createDelegatedTenantAccess(deps: DelegatedAccessDeps): CspDelegatedTenantAccess {
  const cache = new Map<string, { accessToken: string; renewAt: number }>();
  const pending = new Map<string, Promise<string>>();
  const tenant = (key: string, tenantId: string, redeem: (scope: string) => Promise<string>): DelegatedTenant => ({
    tenantId,
    async accessToken(scope) {
      const cacheKey = `${key} ${scope}`;
      const cached = cache.get(cacheKey);
      if (cached && cached.renewAt > deps.clock.now().getTime()) return cached.accessToken;
      const running = pending.get(cacheKey);
      if (running) return running;
      const redemption = redeem(scope)
        .then((accessToken) => {
          cache.set(cacheKey, { accessToken, renewAt: expiryOf(accessToken, deps.clock.now()) - renewBeforeMs });
          return accessToken;
        })
        .finally(() => pending.delete(cacheKey));
      pending.set(cacheKey, redemption);
      return redemption;
    },
  });
  const forCustomer = (customer: CspCustomer): DelegatedTenant => tenant(customer.id, customer.tenantId, (scope) => redeemForCustomer(deps, customer, scope));
  return {
    async forOrganization(organizationId) {
      const customer = await findCustomerByOrganization(deps.db, organizationId);
      return customer ? forCustomer(customer) : undefined;
    },
    forCustomer,
    forPartnerTenant: (partner) =>
      tenant(`partner:${partner.id}`, partner.partnerTenantId, (scope) =>
        redeemAtTenant(deps, async () => (await findPartnerById(deps.db, partner.id)) ?? partner, partner.partnerTenantId, { target: partner.slug, label: `partner ${partner.slug}` }, scope),
      ),
  };
}

/** Delegated access as the csp module uses it: also per customer, and in the partner's own tenant (Graph's GDAP API). */
export interface CspDelegatedTenantAccess extends DelegatedTenantAccess {
  forCustomer(customer: CspCustomer): DelegatedTenant;
  forPartnerTenant(partner: CspPartner): DelegatedTenant;
}

/** One access per database handle (per process and Lanyard instance), so every caller shares the token cache. */
const shared = new WeakMap<Db, CspDelegatedTenantAccess>();

/**
 * The process's delegated access for `deps.db`: commands, jobs and the server share its cache, so a
 * tenant's access token is requested once per hour, never once per call.
 *
 * @example
 *   const token = await sharedDelegatedTenantAccess(deps).forCustomer(customer).accessToken(graphScope);
 */
export function sharedDelegatedTenantAccess(deps: DelegatedAccessDeps): CspDelegatedTenantAccess {
  const existing = shared.get(deps.db);
  if (existing) return existing;
  const created = createDelegatedTenantAccess(deps);
  shared.set(deps.db, created);
  return created;
}

/**
 * The one place that decides which refresh token reaches a customer's tenant: the customer's own
 * (its admin consented through the wizard, customer-tokens.ts) when it holds one, else the
 * partner's redeemed at the customer's authority. A refusal names the token that failed.
 */
async function redeemForCustomer(deps: DelegatedAccessDeps, customer: CspCustomer, scope: string): Promise<string> {
  if (!(await ownTokenOf(deps.db, customer))) {
    return redeemAtTenant(deps, () => partnerForCustomer(deps.db, customer), customer.tenantId, { target: customer.domain, label: `customer ${customer.domain}` }, scope);
  }
  for (let attempt = 1; ; attempt += 1) {
    const own = await ownTokenOf(deps.db, customer);
    if (!own) throw new LanyardError('CSP_TOKEN_REFUSED', `customer ${customer.domain}'s own refresh token is gone (removed or dropped by Entra's refusal); its admin consents again through the consent wizard`, { aadsts: null, state: 'no-consent', token: 'customer' });
    const partner = await partnerForCustomer(deps.db, customer);
    try {
      return (await redeemCustomerToken(deps, partner, customer, scope, 'csp.delegated-access')).accessToken;
    } catch (error) {
      if (!isLanyardError(error, 'CSP_TOKEN_REFUSED')) throw error;
      // Another process rotated the token meanwhile: once more with the newer one.
      const current = await ownTokenOf(deps.db, customer);
      if (attempt === 1 && current && current.refreshTokenHash !== own.refreshTokenHash) continue;
      throw new LanyardError('CSP_TOKEN_REFUSED', `customer ${customer.domain}'s own refresh token (consented by ${own.consentUpn ?? "the customer's admin"}): ${error.message}`, { ...error.details, token: 'customer' });
    }
  }
}

/** `target` names the tenant in audit events, `label` in messages (the customer's domain, or the partner). */
async function redeemAtTenant(deps: DelegatedAccessDeps, partnerOf: () => Promise<CspPartner>, tenantId: string, { target, label }: { target: string; label: string }, scope: string): Promise<string> {
  // Two tries: a redemption refused because another process rotated the token meanwhile is retried once with the newer token.
  for (let attempt = 1; ; attempt += 1) {
    const partner = await partnerOf();
    try {
      // Through the partner's token store (database or Key Vault), so the rotated token goes back where it was read.
      const tokens = await refreshStored(deps, partner, 'csp.delegated-access', deps.clock.now(), {
        tenantId,
        scopes: [scope, 'offline_access'],
        action: 'csp.customer.delegated-token',
        target,
        recordedStates: ['expired', 'revoked'],
      });
      return tokens.accessToken;
    } catch (error) {
      if (!isLanyardError(error, 'CSP_TOKEN_REFUSED')) throw error;
      const current = await findPartnerById(deps.db, partner.id);
      if (attempt === 1 && current && holdsRefreshToken(current) && storedTokenOf(current) !== storedTokenOf(partner)) continue;
      throw new LanyardError('CSP_TOKEN_REFUSED', `${label}'s tenant through partner ${partner.slug}'s refresh token: ${error.message}`, { ...error.details, token: 'partner' });
    }
  }
}

/** Which token the partner holds, wherever it is stored: it changed when another process rotated it. */
const storedTokenOf = (partner: CspPartner) => [partner.refreshTokenSealed, partner.keyVaultSecretVersion, partner.refreshTokenHash].join(' ');
