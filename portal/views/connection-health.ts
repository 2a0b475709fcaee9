import type { Db } from '../../core/db/database.ts';
import type { Organization } from '../../core/db/schema.ts';
import { findCustomerByOrganization } from '../../csp/data/customers.ts';
import { findPartnerById } from '../../csp/data/partners.ts';
import { customerTokenStatusOf, ownTokenOf } from '../../csp/tokens/customer-tokens.ts';
import { statusOf } from '../../csp/tokens/partner-tokens.ts';
import { findTenantConnection } from '../../provisioning/data/tenant-connections.ts';

/** The credential Lanyard reaches the organization's tenant with, and how it is doing. */
export interface ConnectionHealth {
  /** The one provisioning and federation use: the app registration when there is one (tenant-connection.ts). */
  readonly via: 'app-registration' | 'csp-partner' | 'none';
  readonly token: {
    /** Whose credential: the organization's app (client credentials), the CSP customer's own refresh token, or the partner's. */
    readonly holder: 'app-registration' | 'customer' | 'partner';
    /** A refresh token's state (valid, expiring, expired, revoked, mfa-missing, no-consent, failed); `client-secret` for an app registration. */
    readonly state: string;
    readonly code: string | null;
    readonly explanation: string;
    readonly remediation: string | null;
    readonly lastUsedAt: string | null;
  } | null;
}

/**
 * The "token health" of the organization overview. An app registration holds no refresh token:
 * Lanyard asks Entra with the client secret each time, and Entra does not tell when that secret
 * expires, so the overview points to "Test connection". Through a CSP partner, the customer's own
 * token when it holds one (it is then the one used), else the partner's, with their states.
 */
export async function connectionHealthOf(db: Db, organization: Organization, now: Date): Promise<ConnectionHealth> {
  const connection = await findTenantConnection(db, organization.id);
  if (connection) {
    return {
      via: 'app-registration',
      token: {
        holder: 'app-registration',
        state: 'client-secret',
        code: null,
        explanation: `Lanyard signs in as the app ${connection.clientId} with its client secret, set ${connection.updatedAt.slice(0, 10)}. Entra does not tell Lanyard when the secret expires.`,
        remediation: 'Use "Test connection" on the Tenant connection page; renew the secret under the app registration\u2019s Certificates & secrets before it expires.',
        lastUsedAt: null,
      },
    };
  }
  const customer = await findCustomerByOrganization(db, organization.id);
  const partner = customer && (await findPartnerById(db, customer.partnerId));
  if (!customer || !partner) return { via: 'none', token: null };
  const own = await ownTokenOf(db, customer);
  const status = own ? customerTokenStatusOf(customer, own, now) : statusOf(partner, now);
  return {
    via: 'csp-partner',
    token: { holder: own ? 'customer' : 'partner', state: status.state, code: status.code, explanation: status.explanation, remediation: status.remediation, lastUsedAt: status.lastUsedAt },
  };
}
