import type { Client } from '@microsoft/microsoft-graph-client';
import { LanyardError } from '../../core/errors.ts';
import { findTenantConnection } from '../data/tenant-connections.ts';
import { graphFailure, openTenantGraph, type TenantGraphDeps } from './graph-client.ts';
import { listTenantDomains, type TenantDomain } from './tenant-connection.ts';

/** One step of "Test connection": what was tried, whether it worked, and Microsoft's refusal if not. */
export interface ConnectionCheck {
  readonly id: 'token' | 'organization' | 'domains' | `domain:${string}`;
  /** 'warn': it did not work, but Lanyard does not need it (a permission it does not use). 'skipped': an earlier step failed. */
  readonly outcome: 'ok' | 'failed' | 'warn' | 'skipped';
  readonly message: string;
  /** The LanyardError's code, and what Microsoft said (AADSTS code, Graph status and error code). */
  readonly code?: string;
  readonly aadsts?: string;
  readonly graphStatus?: number;
  readonly graphCode?: string;
}

export interface ConnectionTest {
  readonly via: 'app-registration' | 'csp-partner';
  readonly tenantId: string;
  readonly ok: boolean;
  readonly checks: readonly ConnectionCheck[];
}

/**
 * Really calls the organization's tenant through the very client provisioning and federation use
 * (openTenantGraph: its app registration, else its CSP partner's delegated access): a token, a read
 * of the organization (its id and name, to see it is the tenant meant), the tenant's domains, and
 * each of the organization's Lanyard domains looked up among them. Nothing is written. The first
 * Graph call gets the token, so a token refusal shows on the token step and the rest is skipped.
 *
 * @example
 *   const test = await testTenantConnection(deps, organization.id, ['contoso.com']);
 *   test.checks.map((check) => `${check.id}:${check.outcome}`); // → ['token:ok', 'organization:ok', 'domains:ok', 'domain:contoso.com:ok']
 */
export async function testTenantConnection(deps: TenantGraphDeps, organizationId: string, lanyardDomains: readonly string[]): Promise<ConnectionTest> {
  const via = (await findTenantConnection(deps.db, organizationId)) ? 'app-registration' : 'csp-partner';
  const { client, tenantId } = await openTenantGraph(deps, organizationId);
  const checks: ConnectionCheck[] = [];
  const skip = (ids: ConnectionCheck['id'][]) => ids.forEach((id) => checks.push({ id, outcome: 'skipped', message: 'not tried: an earlier step failed' }));

  const organization = await readOrganization(client).then((value) => ({ value }), (error: unknown) => ({ error: asLanyardError(error) }));
  if ('error' in organization && isTokenFailure(organization.error)) {
    checks.push({ id: 'token', outcome: 'failed', ...failureFacts(organization.error) });
    skip(['organization', 'domains']);
    return { via, tenantId, ok: false, checks };
  }
  checks.push({ id: 'token', outcome: 'ok', message: `Microsoft issued a Graph token for tenant ${tenantId}` });
  if ('error' in organization) {
    // Lanyard itself never reads the organization: a refusal for want of the permission is only a warning.
    const notGranted = organization.error.details?.graphStatus === 403;
    checks.push({ id: 'organization', outcome: notGranted ? 'warn' : 'failed', ...failureFacts(organization.error) });
  } else {
    const named = organization.value;
    const sameTenant = !/^[0-9a-f-]{36}$/i.test(tenantId) || named.id.toLowerCase() === tenantId.toLowerCase();
    checks.push(sameTenant
      ? { id: 'organization', outcome: 'ok', message: `the tenant is ${named.displayName} (${named.id})` }
      : { id: 'organization', outcome: 'failed', code: 'TENANT_ID_INVALID', message: `Graph answered for tenant ${named.id}, not ${tenantId}` });
  }

  let domains: TenantDomain[];
  try {
    domains = await listTenantDomains(client);
  } catch (error) {
    checks.push({ id: 'domains', outcome: 'failed', ...failureFacts(asLanyardError(error)) });
    return { via, tenantId, ok: false, checks };
  }
  checks.push({ id: 'domains', outcome: 'ok', message: `the tenant has ${domains.length} domain(s): ${domains.map((domain) => domain.id).join(', ')}` });
  for (const name of lanyardDomains) {
    const found = domains.find((domain) => domain.id.toLowerCase() === name);
    checks.push(!found
      ? { id: `domain:${name}`, outcome: 'failed', code: 'TENANT_DOMAIN_NOT_FOUND', message: `${name} is not a domain of this tenant` }
      : !found.isVerified
        ? { id: `domain:${name}`, outcome: 'warn', message: `${name} is in the tenant but not verified yet` }
        : { id: `domain:${name}`, outcome: 'ok', message: `${name} is a verified domain of the tenant (${found.authenticationType === 'Federated' ? 'federated' : 'managed'})` });
  }
  return { via, tenantId, ok: checks.every((check) => check.outcome !== 'failed'), checks };
}

async function readOrganization(client: Client): Promise<{ id: string; displayName: string }> {
  const result = (await client.api('/organization').select(['id', 'displayName']).get().catch(graphFailure(client, 'reading the organization'))) as { value: Array<{ id: string; displayName: string }> };
  const first = result.value[0];
  if (!first) throw new LanyardError('GRAPH_REQUEST_FAILED', 'reading the organization: Graph returned no organization');
  return first;
}

function asLanyardError(error: unknown): LanyardError {
  return error instanceof LanyardError ? error : new LanyardError('GRAPH_REQUEST_FAILED', error instanceof Error ? error.message : String(error));
}

/**
 * A refusal of the token itself (Entra's TENANT_AUTH_FAILED, a CSP partner's token error, or the
 * login URL unreachable), not of a Graph call: the first call fetches the token before anything
 * reaches Graph, and the client rethrows a token failure as it was raised.
 */
function isTokenFailure(error: LanyardError): boolean {
  return error.code !== 'GRAPH_REQUEST_FAILED';
}

/** A failed connection step as a check, e.g. for a `connectTenant` that Microsoft refused. */
export function failedCheck(error: LanyardError): ConnectionCheck {
  return { id: isTokenFailure(error) ? 'token' : 'domains', outcome: 'failed', ...failureFacts(error) };
}

function failureFacts(error: LanyardError): Pick<ConnectionCheck, 'message' | 'code' | 'aadsts' | 'graphStatus' | 'graphCode'> {
  const details = error.details ?? {};
  const aadsts = typeof details.aadsts === 'string' ? details.aadsts : /AADSTS\d+/.exec(error.message)?.[0];
  return {
    message: error.message,
    code: error.code,
    ...(aadsts && { aadsts }),
    ...(typeof details.graphStatus === 'number' && { graphStatus: details.graphStatus }),
    ...(typeof details.graphCode === 'string' && { graphCode: details.graphCode }),
  };
}
