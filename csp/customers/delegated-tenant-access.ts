import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../core/db/database.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { DelegatedTenantAccess } from '../../core/services.ts';
import { findCustomerByOrganization } from '../data/customers.ts';
import { findPartnerById, holdsRefreshToken } from '../data/partners.ts';
import type { CspCustomer, CspPartner } from '../data/tables.ts';
import { expiryOf } from '../partner-center/access-tokens.ts';
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
 * organization linked to a customer, an access token in the customer's tenant is the partner's
 * refresh token redeemed at that tenant's authority (`{login}/{customerTenantId}/oauth2/v2.0/token`).
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
export function createDelegatedTenantAccess(deps: DelegatedAccessDeps): DelegatedTenantAccess {
  const cache = new Map<string, { accessToken: string; renewAt: number }>();
  const pending = new Map<string, Promise<string>>();
  return {
    async forOrganization(organizationId) {
      const customer = await findCustomerByOrganization(deps.db, organizationId);
      if (!customer) return undefined;
      return {
        tenantId: customer.tenantId,
        async accessToken(scope) {
          const key = `${customer.id} ${scope}`;
          const cached = cache.get(key);
          if (cached && cached.renewAt > deps.clock.now().getTime()) return cached.accessToken;
          const running = pending.get(key);
          if (running) return running;
          const redemption = redeemForCustomer(deps, customer, scope)
            .then((accessToken) => {
              cache.set(key, { accessToken, renewAt: expiryOf(accessToken, deps.clock.now()) - renewBeforeMs });
              return accessToken;
            })
            .finally(() => pending.delete(key));
          pending.set(key, redemption);
          return redemption;
        },
      };
    },
  };
}

async function redeemForCustomer(deps: DelegatedAccessDeps, customer: CspCustomer, scope: string): Promise<string> {
  // Two tries: a redemption refused because another process rotated the token meanwhile is retried once with the newer token.
  for (let attempt = 1; ; attempt += 1) {
    const partner = await partnerForCustomer(deps.db, customer);
    try {
      // Through the partner's token store (database or Key Vault), so the rotated token goes back where it was read.
      const tokens = await refreshStored(deps, partner, 'csp.delegated-access', deps.clock.now(), {
        tenantId: customer.tenantId,
        scopes: [scope, 'offline_access'],
        action: 'csp.customer.delegated-token',
        target: customer.domain,
        recordedStates: ['expired', 'revoked'],
      });
      return tokens.accessToken;
    } catch (error) {
      if (!isLanyardError(error, 'CSP_TOKEN_REFUSED')) throw error;
      const current = await findPartnerById(deps.db, partner.id);
      if (attempt === 1 && current && holdsRefreshToken(current) && storedTokenOf(current) !== storedTokenOf(partner)) continue;
      throw new LanyardError('CSP_TOKEN_REFUSED', `customer ${customer.domain}'s tenant through partner ${partner.slug}: ${error.message}`, { ...error.details });
    }
  }
}

/** Which token the partner holds, wherever it is stored: it changed when another process rotated it. */
const storedTokenOf = (partner: CspPartner) => [partner.refreshTokenSealed, partner.keyVaultSecretVersion, partner.refreshTokenHash].join(' ');
