import { LanyardError } from '../../core/errors.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { saveTenantConnection } from '../data/tenant-connections.ts';
import { checkTenantCredentials, createGraphClient, graphFailure, tenantSecretContext, type TenantCredentials, type TenantGraphDeps } from './graph-client.ts';

export interface TenantDomain {
  readonly id: string;
  readonly authenticationType: 'Managed' | 'Federated';
  readonly isVerified: boolean;
  readonly isDefault: boolean;
  readonly isInitial: boolean;
  /** False for a subdomain that follows its root domain's authentication (and for an unverified domain). */
  readonly isRoot: boolean;
}

export interface TenantConnectionReport {
  readonly organization: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly connectedAt: string;
  readonly updatedAt: string;
  readonly domains: readonly TenantDomain[];
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tenantDomain = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

/**
 * Connects an organization to its Microsoft 365 tenant: proves the app registration works (an MSAL
 * client-credential token, then a Graph read of the tenant's domains) and only then stores it, the
 * client secret sealed under the master key. A wrong secret therefore never replaces a working
 * connection. Connecting again replaces the credentials.
 *
 * @example
 *   const report = await connectTenant(context, { organization: 'contoso', tenantId, clientId, clientSecret }, 'cli');
 */
export async function connectTenant(
  deps: TenantGraphDeps,
  input: { organization: string } & TenantCredentials,
  actor: string,
): Promise<TenantConnectionReport> {
  const organization = await findOrganizationBySlug(deps.db, input.organization.trim().toLowerCase());
  if (!organization) throw new LanyardError('ORG_NOT_FOUND', `no organization "${input.organization}"`);
  const tenantId = input.tenantId.trim();
  const clientId = input.clientId.trim();
  if (!guid.test(tenantId) && !tenantDomain.test(tenantId)) throw new LanyardError('TENANT_ID_INVALID', '--tenant-id must be the tenant GUID or its domain name');
  if (!guid.test(clientId)) throw new LanyardError('CLIENT_ID_INVALID', '--client-id must be the application (client) GUID');
  const credentials = { tenantId, clientId, clientSecret: input.clientSecret };
  try {
    await checkTenantCredentials(deps.config, credentials);
    const domains = await listTenantDomains(createGraphClient(deps.config, credentials));
    const saved = await saveTenantConnection(deps.db, {
      organizationId: organization.id,
      tenantId,
      clientId,
      clientSecretEncrypted: createSecretBox(deps.masterKey).seal(input.clientSecret, tenantSecretContext(organization.id)),
    });
    await recordAuditEvent(deps.db, { actor, action: 'tenant.connect', target: organization.slug, outcome: 'success', details: { tenantId, clientId } });
    return { organization: organization.slug, tenantId, clientId, connectedAt: saved.connectedAt, updatedAt: saved.updatedAt, domains };
  } catch (error) {
    const reason = error instanceof LanyardError ? error.code : 'INTERNAL_ERROR';
    await recordAuditEvent(deps.db, { actor, action: 'tenant.connect', target: organization.slug, outcome: 'failure', reason, details: { tenantId, clientId } });
    throw error;
  }
}

/** The tenant's domains, as Graph lists them. */
export async function listTenantDomains(client: import('@microsoft/microsoft-graph-client').Client): Promise<TenantDomain[]> {
  const result = (await client.api('/domains').select(['id', 'authenticationType', 'isVerified', 'isDefault', 'isInitial', 'isRoot']).get().catch(graphFailure(client, 'listing the tenant\'s domains'))) as { value: TenantDomain[] };
  return result.value.map(({ id, authenticationType, isVerified, isDefault, isInitial, isRoot }) => ({ id, authenticationType, isVerified, isDefault, isInitial, isRoot }));
}
