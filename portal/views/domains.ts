import type { AppContext } from '../../core/context.ts';
import type { TenantGraphDeps } from '../../provisioning/tenant/graph-client.ts';
import { findDomainByName } from '../../core/db/domains.ts';
import type { Domain, Organization } from '../../core/db/schema.ts';
import { LanyardError, isLanyardError } from '../../core/errors.ts';
import { addDomain } from '../../idp/accounts/domains.ts';
import { normalizeDomainName } from '../../idp/accounts/validation.ts';
import type { FederationProtocol, MfaBehavior } from '../../idp/federation/graph-federation-body.ts';
import { federateDomain, type FederateReport } from '../../provisioning/federation/federate.ts';
import type { PreflightCheck } from '../../provisioning/federation/preflight.ts';
import { unfederateDomain, type UnfederateReport } from '../../provisioning/federation/unfederate.ts';
import { organizationTarget, requireCan } from '../admins.ts';
import type { Admin } from '../policy.ts';

/**
 * The Domains & federation page's actions, shared by the pages and /admin/api: each asks the policy
 * itself, and works only on a domain of the organization in the URL (federateDomain and
 * unfederateDomain take a bare domain name, so the scope is checked here, before them).
 */

/** The server's context, with the CSP module's delegated access for organizations reached through a partner. */
export type FederationContext = AppContext & Pick<TenantGraphDeps, 'delegatedAccess'>;

/** A domain of this organization by name; another organization's domain is simply not found. */
export async function requireDomainOf(context: AppContext, organization: Organization, name: string): Promise<Domain> {
  let normalized: string;
  try {
    normalized = normalizeDomainName(name);
  } catch {
    throw new LanyardError('DOMAIN_NOT_FOUND', 'No such domain in this organization.');
  }
  const domain = await findDomainByName(context.db, normalized);
  if (!domain || domain.organizationId !== organization.id) throw new LanyardError('DOMAIN_NOT_FOUND', 'No such domain in this organization.');
  return domain;
}

export async function addOrganizationDomain(context: AppContext, admin: Admin, organization: Organization, name: string): Promise<Domain> {
  requireCan(admin, 'domains.add', await organizationTarget(context.db, organization));
  return addDomain(context.db, context.config.publicUrl, { organization: organization.slug, name }, admin.actor);
}

export interface FederationChoice {
  readonly protocol: FederationProtocol;
  readonly mfaBehavior: MfaBehavior;
}

/** Reads the protocol and MFA behaviour from a form or query; absent means the domain's own. */
export function federationChoiceOf(domain: Domain, values: { get(name: string): string | null | undefined }): FederationChoice {
  const protocol = values.get('protocol') || domain.protocol;
  const mfaBehavior = values.get('mfa') || domain.mfaBehavior;
  if (protocol !== 'wsfed' && protocol !== 'saml') throw new LanyardError('API_REQUEST_INVALID', 'protocol must be wsfed or saml');
  if (mfaBehavior !== 'enforce' && mfaBehavior !== 'accept' && mfaBehavior !== 'reject') throw new LanyardError('API_REQUEST_INVALID', 'mfa must be enforce, accept or reject');
  return { protocol, mfaBehavior };
}

/**
 * The pre-flight of federating: every check, and the Graph body when they all pass. Nothing is
 * written (federateDomain's dry run). A failed check is the page's answer, not an error: the
 * checklist shows what to fix, and there is nothing to confirm.
 */
export type FederationPreview =
  | { readonly ready: true; readonly report: FederateReport }
  | { readonly ready: false; readonly checks: readonly PreflightCheck[]; readonly message: string };

export async function previewFederation(context: FederationContext, admin: Admin, organization: Organization, domain: Domain, choice: FederationChoice): Promise<FederationPreview> {
  requireCan(admin, 'domains.federate', await organizationTarget(context.db, organization));
  return federationPreviewOf(domain.name, () => federateDomain(context, { domain: domain.name, ...choice, dryRun: true }, admin.actor));
}

/** A dry run's answer as a preview: its report, or the failed pre-flight's checks (the CSP Domains page shares this). */
export async function federationPreviewOf(domainName: string, dryRun: () => Promise<FederateReport>): Promise<FederationPreview> {
  try {
    return { ready: true, report: await dryRun() };
  } catch (error) {
    if (isLanyardError(error) && error.code === 'FEDERATION_PREFLIGHT_FAILED') {
      const checks = (error.details as { checks?: PreflightCheck[] } | undefined)?.checks ?? [];
      return { ready: false, checks, message: `${domainName} cannot be federated yet: fix what the checklist marks, then check again.` };
    }
    throw error;
  }
}

/** Federates for real (the checks run again: the tenant may have changed since the preview). */
export async function federateOrganizationDomain(context: FederationContext, admin: Admin, organization: Organization, domain: Domain, choice: FederationChoice): Promise<FederateReport> {
  requireCan(admin, 'domains.federate', await organizationTarget(context.db, organization));
  return federateDomain(context, { domain: domain.name, ...choice, dryRun: false }, admin.actor);
}

export async function previewUnfederation(context: FederationContext, admin: Admin, organization: Organization, domain: Domain): Promise<UnfederateReport> {
  requireCan(admin, 'domains.federate', await organizationTarget(context.db, organization));
  return unfederateDomain(context, { domain: domain.name, dryRun: true }, admin.actor);
}

export async function unfederateOrganizationDomain(context: FederationContext, admin: Admin, organization: Organization, domain: Domain): Promise<UnfederateReport> {
  requireCan(admin, 'domains.federate', await organizationTarget(context.db, organization));
  return unfederateDomain(context, { domain: domain.name, dryRun: false }, admin.actor);
}
