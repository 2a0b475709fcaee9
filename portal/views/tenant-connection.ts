import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { listDomains } from '../../core/db/domains.ts';
import type { Organization } from '../../core/db/schema.ts';
import { LanyardError } from '../../core/errors.ts';
import { graphRemediation, tokenRemediations } from '../../csp/graph/graph-remediation.ts';
import { findCustomerByOrganization } from '../../csp/data/customers.ts';
import { findPartnerById } from '../../csp/data/partners.ts';
import { findTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import { appRegistrationRemediation } from '../../provisioning/tenant/connection-remediation.ts';
import { failedCheck, testTenantConnection, type ConnectionCheck } from '../../provisioning/tenant/connection-test.ts';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { organizationTarget, requireCan } from '../admins.ts';
import type { Admin } from '../policy.ts';
import type { FederationContext } from './domains.ts';

/** How an organization reaches its Microsoft 365 tenant. The client secret is never part of it. */
export interface TenantConnectionView {
  /** Which one provisioning and federation use: the app registration when there is one. */
  readonly via: 'app-registration' | 'csp-partner' | 'none';
  readonly appRegistration: {
    readonly tenantId: string;
    readonly clientId: string;
    readonly connectedAt: string;
    /** When the secret (and the ids) were last entered: connecting again is the only way to change them. */
    readonly secretSetAt: string;
    /** Lanyard is not told when a client secret expires; the app registration shows it. */
    readonly secretExpiresAt: null;
  } | null;
  readonly partner: { readonly partner: string; readonly customerDomain: string; readonly customerTenantId: string; readonly resellerId: string | null } | null;
}

export async function tenantConnectionOf(context: FederationContext, organization: Organization): Promise<TenantConnectionView> {
  const connection = await findTenantConnection(context.db, organization.id);
  const customer = await findCustomerByOrganization(context.db, organization.id);
  const partner = customer && (await findPartnerById(context.db, customer.partnerId));
  return {
    via: connection ? 'app-registration' : customer && context.delegatedAccess ? 'csp-partner' : 'none',
    appRegistration: connection
      ? { tenantId: connection.tenantId, clientId: connection.clientId, connectedAt: connection.connectedAt, secretSetAt: connection.updatedAt, secretExpiresAt: null }
      : null,
    partner: customer ? { partner: partner?.slug ?? customer.partnerId, customerDomain: customer.domain, customerTenantId: customer.tenantId, resellerId: customer.resellerId } : null,
  };
}

export interface CheckWithRemediation extends ConnectionCheck {
  readonly remediation: string | null;
}

export interface ConnectionTestView {
  readonly via: 'app-registration' | 'csp-partner';
  readonly tenantId: string;
  readonly ok: boolean;
  readonly checks: readonly CheckWithRemediation[];
}

/** "Test connection": real calls to the tenant (nothing written there), each step with what to do if it failed; audited. */
export async function runTenantConnectionTest(context: FederationContext, admin: Admin, organization: Organization, now: Date): Promise<ConnectionTestView> {
  requireCan(admin, 'tenant.test', await organizationTarget(context.db, organization));
  const domains = (await listDomains(context.db, organization.id)).map((domain) => domain.name);
  const test = await testTenantConnection(context, organization.id, domains);
  const checks = test.checks.map((check) => ({ ...check, remediation: test.via === 'csp-partner' ? partnerRemediation(check) : appRegistrationRemediation(check) }));
  await recordAuditEvent(context.db, {
    actor: admin.actor,
    action: 'tenant.test',
    target: organization.slug,
    outcome: test.ok ? 'success' : 'failure',
    reason: test.ok ? null : (checks.find((check) => check.outcome === 'failed')?.code ?? null),
    details: { via: test.via, tenantId: test.tenantId, checks: checks.map((check) => `${check.id}:${check.outcome}`) },
  }, now);
  return { ...test, checks };
}

const partnerTokenRemediation =
  "The CSP partner's delegated access to this tenant did not give a token. A partner admin checks it on the partner's page (or `lanyard csp partner status <partner>`) and consents again if asked; or connect an app registration of this tenant below.";

/** Through a CSP partner the fixes are the partner's (the csp module's table), the domain checks the same as ever. */
function partnerRemediation(check: ConnectionCheck): string | null {
  if (check.outcome === 'ok' || check.outcome === 'skipped') return null;
  const known = (check.aadsts && tokenRemediations[check.aadsts]) || (check.graphStatus !== undefined && graphRemediation(check.graphStatus, check.graphCode ?? '', check.message));
  if (known) return known;
  if (check.id === 'token' && check.code !== 'MICROSOFT_UNREACHABLE') return partnerTokenRemediation;
  return appRegistrationRemediation(check);
}

/** Connects or replaces the organization's app registration, as `admin` (proved against Microsoft before it is stored). */
export async function changeAppRegistration(context: FederationContext, admin: Admin, organization: Organization, input: { tenantId: string; clientId: string; clientSecret: string }) {
  requireCan(admin, 'tenant.connect', await organizationTarget(context.db, organization));
  if (!input.clientSecret.trim()) throw new LanyardError('SECRET_EMPTY', 'Enter the client secret\'s Value.');
  if (input.clientSecret.length > 1024) throw new LanyardError('API_REQUEST_INVALID', 'The client secret is too long.');
  return connectTenant(context, { organization: organization.slug, ...input, clientSecret: input.clientSecret.trim() }, admin.actor);
}

/** Microsoft's answers to a connect attempt that the page explains (anything else is an ordinary error). */
export const microsoftRefusals: ReadonlySet<string> = new Set(['TENANT_AUTH_FAILED', 'GRAPH_REQUEST_FAILED', 'MICROSOFT_UNREACHABLE']);

export interface ConnectFailure {
  readonly code: string;
  readonly message: string;
  readonly remediation: string | null;
}

export function connectFailureOf(error: LanyardError): ConnectFailure {
  const check = failedCheck(error);
  return { code: error.code, message: error.message, remediation: appRegistrationRemediation(check) };
}
