import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isLanyardError } from '../../core/errors.ts';
import { openPartnerCenter } from '../partner-center/open-partner-center.ts';
import type { PartnerCenterDeps } from '../partner-center/open-partner-center.ts';
import { partnerForCustomer } from './reseller-routing.ts';
import { requireCustomer } from './require-customer.ts';

/** Microsoft Graph's enterprise application id, as Partner Center's `applicationGrants` names a resource. */
export const graphEnterpriseApplicationId = '00000003-0000-0000-c000-000000000000';

/**
 * The Graph permissions delegated tenant access uses in a customer's tenant: `federate` (domains,
 * their federation configuration, the Global Administrators check) and `users import / export`
 * (users, licences, the organization's subscriptions). docs/federation.md and docs/provisioning.md
 * list the same ones for an app registration of the customer's own.
 */
export const delegatedGraphPermissions = [
  'Directory.Read.All',
  'Domain.ReadWrite.All',
  'Domain-InternalFederation.ReadWrite.All',
  'LicenseAssignment.ReadWrite.All',
  'Organization.Read.All',
  'RoleManagement.Read.Directory',
  'User.ReadWrite.All',
] as const;

export interface AppConsentReport {
  readonly customer: string;
  readonly tenantId: string;
  readonly partner: string;
  readonly applicationId: string;
  /** `consented`: done now; `already-consented`: Partner Center had it (409 "already exists"). */
  readonly outcome: 'consented' | 'already-consented';
  readonly permissions: readonly string[];
}

/**
 * Consents the partner's app in a customer's tenant through Partner Center (`POST
 * /v1/customers/{id}/applicationconsents`, reference C.10) with the Graph permissions delegated
 * access needs, so `csp customer link` and then `federate` / `users export` work for the linked
 * organization with no app registration in the customer's tenant. Idempotent: Partner Center's 409
 * "already exists" is success (`already-consented`). The partner is the one serving the customer's
 * reseller, or the one it was created or imported through (the one delegated access redeems with).
 *
 * @example
 *   const report = await consentAppInCustomer(deps, 'fabrikam.onmicrosoft.com', 'cli');
 *   report.outcome; // 'consented'
 */
export async function consentAppInCustomer(deps: PartnerCenterDeps, ref: string, actor: string): Promise<AppConsentReport> {
  const customer = await requireCustomer(deps.db, ref);
  const partner = await partnerForCustomer(deps.db, customer);
  const pc = openPartnerCenter(deps, partner, actor);
  const body = {
    applicationId: partner.clientId,
    applicationGrants: [{ enterpriseApplicationId: graphEnterpriseApplicationId, scope: delegatedGraphPermissions.join(',') }],
  };
  let outcome: AppConsentReport['outcome'] = 'consented';
  try {
    await pc.call('POST', `/v1/customers/${encodeURIComponent(customer.tenantId)}/applicationconsents`, { body });
  } catch (error) {
    const alreadyThere = isLanyardError(error) && error.details?.status === 409 && /already exists/i.test(String(error.details?.description ?? error.message));
    if (!alreadyThere) {
      await recordAuditEvent(deps.db, { actor, action: 'csp.customer.consent-app', target: customer.domain, outcome: 'failure', reason: isLanyardError(error) ? error.code : 'ERROR', details: { partner: partner.slug } }, deps.clock.now());
      throw error;
    }
    outcome = 'already-consented';
  }
  await recordAuditEvent(deps.db, { actor, action: 'csp.customer.consent-app', target: customer.domain, outcome: 'success', details: { partner: partner.slug, applicationId: partner.clientId, result: outcome } }, deps.clock.now());
  return { customer: customer.domain, tenantId: customer.tenantId, partner: partner.slug, applicationId: partner.clientId, outcome, permissions: delegatedGraphPermissions };
}
