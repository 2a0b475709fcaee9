import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import { consumeTenantConsentRequest, insertTenantConsentRequest, recordTenantConsent } from '../data/customer-access.ts';
import { findCustomerById } from '../data/customers.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import { partnerForCustomer } from '../customers/reseller-routing.ts';
import { requiredGdapRoles } from '../sync/gdap-relationships.ts';

export interface TenantConsentDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly config: Pick<Config, 'publicUrl'>;
}

/** The delegated Graph permissions the partner app asks a customer tenant's admin for. */
export const tenantGraphScopes = [
  'https://graph.microsoft.com/User.ReadWrite.All',
  'https://graph.microsoft.com/Directory.Read.All',
  'https://graph.microsoft.com/LicenseAssignment.ReadWrite.All',
  'https://graph.microsoft.com/Domain.ReadWrite.All',
];

/** The customer's admin may open the link some days after it was sent. */
const lifetimeMs = 7 * 86_400_000;
export const tenantConsentCallbackPath = '/csp/tenant-consent/callback';
export const tenantConsentRedirectUri = (config: Pick<Config, 'publicUrl'>) => `${config.publicUrl.replace(/\/+$/, '')}${tenantConsentCallbackPath}`;
const hashState = (state: string) => createHash('sha256').update(state).digest('hex');

export interface TenantConsentLink {
  readonly customer: string;
  readonly tenantId: string;
  readonly url: string;
  readonly expiresAt: string;
  readonly scopes: readonly string[];
  /** What the partner's GDAP relationship must grant besides this consent. */
  readonly gdapRoles: typeof requiredGdapRoles;
}

/**
 * A link an administrator of the customer's tenant opens to consent the partner app there (Entra's
 * admin-consent endpoint, `{login}/{tenant}/v2.0/adminconsent`, reference D.1): needed for a GDAP
 * customer, whose tenant gives the partner app no access otherwise (AADSTS65001 / 7000229). The
 * state is random, stored only as its SHA-256, valid 7 days and once; the callback records the outcome.
 *
 * @example
 *   const { url } = await startTenantConsent(deps, 'fabrikam.onmicrosoft.com', 'cli:root');
 */
export async function startTenantConsent(deps: TenantConsentDeps, customerRef: string, actor: string): Promise<TenantConsentLink> {
  const customer = await requireCustomer(deps.db, customerRef);
  const partner = await partnerForCustomer(deps.db, customer);
  const state = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + lifetimeMs);
  await insertTenantConsentRequest(deps.db, { stateHash: hashState(state), customerId: customer.id, startedBy: actor, expiresAt }, now);
  const url = new URL(`${partner.loginUrl.replace(/\/+$/, '')}/${encodeURIComponent(customer.tenantId)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', partner.clientId);
  url.searchParams.set('scope', tenantGraphScopes.join(' '));
  url.searchParams.set('redirect_uri', tenantConsentRedirectUri(deps.config));
  url.searchParams.set('state', state);
  await recordAuditEvent(deps.db, { actor, action: 'csp.tenant-consent.start', target: customer.domain, outcome: 'success' }, now);
  return { customer: customer.domain, tenantId: customer.tenantId, url: url.toString(), expiresAt: expiresAt.toISOString(), scopes: tenantGraphScopes, gdapRoles: requiredGdapRoles };
}

export interface TenantConsentCallback {
  readonly state: string | undefined;
  readonly adminConsent: string | undefined;
  readonly tenant: string | undefined;
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
}

/**
 * The admin's browser back from Entra: the state is taken once (compare-and-set), the tenant must be
 * the customer's, and the outcome (granted, or Entra's error) is recorded on the customer's access.
 * CSP_CONSENT_INVALID for an unknown, used or expired link; CSP_CONSENT_DENIED when Entra says no.
 */
export async function completeTenantConsent(deps: TenantConsentDeps, callback: TenantConsentCallback): Promise<{ customer: string; tenantId: string }> {
  const now = deps.clock.now();
  const request = callback.state ? await consumeTenantConsentRequest(deps.db, hashState(callback.state), now) : undefined;
  const customer = request ? await findCustomerById(deps.db, request.customerId) : undefined;
  if (!request || !customer) {
    throw new LanyardError('CSP_CONSENT_INVALID', 'this consent link is unknown, used already or older than 7 days; ask your partner for a new one', {});
  }
  if (callback.error || callback.adminConsent?.toLowerCase() !== 'true' || callback.tenant?.toLowerCase() !== customer.tenantId) {
    const reason = callback.error ? `${callback.error}: ${callback.errorDescription ?? ''}`.trim() : `consent answered for tenant ${callback.tenant ?? '(none)'} instead of ${customer.tenantId}`;
    await recordTenantConsent(deps.db, customer.id, { granted: false, error: reason.slice(0, 500) }, now);
    await recordAuditEvent(deps.db, { actor: request.startedBy, action: 'csp.tenant-consent.refuse', target: customer.domain, outcome: 'failure', reason: reason.slice(0, 200) }, now);
    throw new LanyardError('CSP_CONSENT_DENIED', `the consent for ${customer.domain} was not given (${reason.split('\n')[0]}); an administrator of that tenant may open a new link`, { customer: customer.domain });
  }
  await recordTenantConsent(deps.db, customer.id, { granted: true, error: null }, now);
  await recordAuditEvent(deps.db, { actor: request.startedBy, action: 'csp.tenant-consent.complete', target: customer.domain, outcome: 'success' }, now);
  return { customer: customer.domain, tenantId: customer.tenantId };
}
