import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Config } from '../../core/config.ts';
import { LanyardError } from '../../core/errors.ts';
import { createDelegatedTenantAccess } from '../customers/delegated-tenant-access.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import { partnerForCustomer } from '../customers/reseller-routing.ts';
import { findCustomerAccess } from '../data/customer-access.ts';
import { listSyncErrors } from '../data/sync-errors.ts';
import { CustomerGraph, graphScope } from '../graph/customer-graph.ts';
import type { CustomerGraphDeps } from '../graph/open-customer-graph.ts';
import { missingGdapRoles, requiredGdapRoles } from '../sync/gdap-relationships.ts';
import { describeSyncFailure } from '../sync/sync-failure.ts';
import { mailConsentInvitation, requireSmtp } from './consent-invitation-mail.ts';
import { createConsentInvitation, customerConsentPermissions } from './customer-consent.ts';
import { deleteCustomerToken, findCustomerToken, holdsCustomerToken } from '../data/customer-tokens.ts';
import { customerTokenKeyVaultAccess, customerTokenStatusOf, ownTokenOf } from '../tokens/customer-tokens.ts';
import { KeyVaultClient } from '../tokens/key-vault-client.ts';

export interface AccessDeps extends CustomerGraphDeps {
  readonly config: Pick<Config, 'publicUrl' | 'smtp'>;
}

/**
 * What Lanyard knows of its access to a customer's tenant: the relationship the last sync found
 * (DAP or GDAP, its status and roles, the required roles it lacks), the tenant admin's consent and
 * the errors the sync met for this customer.
 */
export async function customerAccessStatus(deps: AccessDeps, customerRef: string) {
  const customer = await requireCustomer(deps.db, customerRef);
  const partner = await partnerForCustomer(deps.db, customer);
  const access = await findCustomerAccess(deps.db, customer.id);
  const ownToken = await findCustomerToken(deps.db, customer.id);
  const roleIds = access ? (JSON.parse(access.gdapRoleIds) as string[]) : [];
  const errors = (await listSyncErrors(deps.db, partner.id)).filter((error) => error.customerKey === customer.id);
  return {
    customer: customer.domain,
    tenantId: customer.tenantId,
    partner: partner.slug,
    relationship: access?.relationship ?? null,
    gdap: access?.relationship === 'gdap' ? { id: access.gdapRelationshipId, status: access.gdapStatus, endsAt: access.gdapEndsAt, roles: roleIds, missingRoles: missingGdapRoles(roleIds).map((role) => role.name) } : null,
    requiredRoles: requiredGdapRoles,
    consent: { state: access?.consentState ?? 'unknown', at: access?.consentAt ?? null, error: access?.consentError ?? null },
    checkedAt: access?.checkedAt ?? null,
    // The customer's own refresh token (its admin's consent through the wizard); Graph calls use it when held.
    tokenSource: ownToken && holdsCustomerToken(ownToken) ? ('customer' as const) : ('partner' as const),
    token: customerTokenStatusOf(customer, ownToken, deps.clock.now()),
    errors: errors.map((error) => ({ step: error.step, code: error.code, message: error.message, remediation: error.remediation, count: error.count, lastSeenAt: error.lastSeenAt })),
  };
}

/**
 * "Send invitation": mails a link to Lanyard's consent wizard (customer-consent.ts) to `to` (default:
 * the customer's e-mail) and returns where it went. SMTP is checked before a link is made.
 */
export async function inviteCustomerAdmin(deps: AccessDeps, customerRef: string, to: string | undefined, actor: string) {
  const customer = await requireCustomer(deps.db, customerRef);
  const recipient = to ?? customer.email;
  if (!recipient) throw new LanyardError('USAGE', `customer ${customer.domain} has no e-mail address; give --to <address>`, {});
  requireSmtp(deps.config.smtp);
  const partner = await partnerForCustomer(deps.db, customer);
  const link = await createConsentInvitation(deps, customer.domain, actor);
  await mailConsentInvitation(deps.config.smtp, { to: recipient, company: customer.companyName, partner: partner.slug, url: link.url, expiresAt: link.expiresAt, permissions: customerConsentPermissions });
  await recordAuditEvent(deps.db, { actor, action: 'csp.tenant-consent.invite', target: customer.domain, outcome: 'success', details: { to: recipient } }, deps.clock.now());
  return { customer: customer.domain, mailedTo: recipient, expiresAt: link.expiresAt };
}

/**
 * Revoke locally: forgets the customer's own refresh token (and deletes its Key Vault secret), so
 * calls into its tenant use the partner's token again. Entra's grant stays until the customer's
 * admin removes the app under Enterprise applications. CSP_NO_REFRESH_TOKEN when it holds none.
 */
export async function removeCustomerToken(deps: AccessDeps, customerRef: string, actor: string) {
  const customer = await requireCustomer(deps.db, customerRef);
  const row = await findCustomerToken(deps.db, customer.id);
  if (!row) throw new LanyardError('CSP_NO_REFRESH_TOKEN', `customer ${customer.domain} holds no refresh token of its own`, { state: 'no-consent' });
  const partner = await partnerForCustomer(deps.db, customer);
  const removed = await deleteCustomerToken(deps.db, customer.id);
  if (!removed) throw new LanyardError('CSP_TOKEN_STORAGE_CHANGED', `customer ${customer.domain}'s token changed while it was being removed; run the command again`, {});
  let leftBehind: string | null = null;
  if (removed.tokenStorage === 'key-vault' && removed.keyVaultSecretUrl) {
    leftBehind = await new KeyVaultClient(customerTokenKeyVaultAccess(deps, partner, customer, removed)).delete().then(() => null, (error: unknown) => (error instanceof Error ? error.message : String(error)));
  }
  await recordAuditEvent(deps.db, { actor, action: 'csp.customer.own-token.remove', target: customer.domain, outcome: 'success', details: { storage: removed.tokenStorage, leftBehind } }, deps.clock.now());
  return { customer: customer.domain, removed: true, storage: removed.tokenStorage, leftBehind, tokenSource: 'partner' as const };
}

/**
 * "Refresh token now" (`validate: false`) or "validate authentication" (`validate: true`): redeems the
 * customer's own refresh token, or else the partner's, at the customer tenant now (no cached access token; the rotated refresh
 * token is stored back), and with `validate` reads the tenant's domains through Graph. A refusal is
 * answered, not thrown, with its code and remediation, as the sync would record it.
 */
export async function checkCustomerAccess(deps: AccessDeps, customerRef: string, options: { validate: boolean }, actor: string) {
  const customer = await requireCustomer(deps.db, customerRef);
  const partner = await partnerForCustomer(deps.db, customer);
  const tenant = createDelegatedTenantAccess(deps).forCustomer(customer);
  // Which token the call below uses (the same decision the delegated access makes).
  const tokenSource = (await ownTokenOf(deps.db, customer)) ? 'customer' : 'partner';
  let step: 'token' | 'graph' = 'token';
  try {
    const token = await tenant.accessToken(graphScope);
    if (options.validate) {
      step = 'graph';
      const graph = new CustomerGraph({ baseUrl: partner.graphUrl, tenantId: customer.tenantId, token: async () => token, clock: deps.clock });
      await graph.all('/domains');
    }
    await recordAuditEvent(deps.db, { actor, action: options.validate ? 'csp.customer.access.validate' : 'csp.customer.access.refresh', target: customer.domain, outcome: 'success' }, deps.clock.now());
    return { customer: customer.domain, tokenSource, ok: true, step, code: null, message: null, remediation: null };
  } catch (error) {
    const failure = describeSyncFailure(error);
    if (failure.code === 'INTERNAL' || failure.code === 'MICROSOFT_UNREACHABLE') throw error;
    return { customer: customer.domain, tokenSource, ok: false, step, ...failure };
  }
}
