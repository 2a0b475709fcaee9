import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { unmarkDomainFederated } from '../../core/db/domain-federations.ts';
import { requireDomain } from '../../idp/accounts/domains.ts';
import { openTenantGraph } from '../tenant/graph-client.ts';
import type { FederationDeps } from './federate.ts';
import { deleteFederationConfiguration, readFederationConfiguration, readTenantDomain, setDomainAuthenticationType } from './tenant-federation.ts';

export interface UnfederateReport {
  readonly domain: string;
  readonly tenantId: string;
  readonly dryRun: boolean;
  /** convert: the domain was (or, with --dry-run, would be) made Managed; none: it already was. */
  readonly action: 'convert' | 'none';
  readonly authenticationType: 'Managed' | 'Federated';
  readonly warnings: readonly string[];
}

const warnings = [
  'Microsoft may take up to two hours to apply the change everywhere; until then some sign-ins may still come to Lanyard.',
  'The domain\'s users now need a cloud password (set one, or use self-service password reset); their Lanyard accounts are unchanged.',
];

/**
 * Converts a federated domain back to Managed: PATCH authenticationType=Managed (Microsoft's
 * documented step), then DELETE any federation configuration left behind, then a read-back. Lanyard's
 * users, keys and domain settings are left untouched, so federating again later just works. Running it
 * on a domain that is already managed changes nothing. Refuses a domain federated to another IdP.
 *
 * @example
 *   const report = await unfederateDomain(context, { domain: 'contoso.com', dryRun: false }, 'cli');
 */
export async function unfederateDomain(deps: FederationDeps, input: { domain: string; dryRun: boolean }, actor: string): Promise<UnfederateReport> {
  const domain = await requireDomain(deps.db, input.domain);
  const audit = (outcome: 'success' | 'failure', reason?: string, details: Record<string, unknown> = {}) =>
    recordAuditEvent(deps.db, { actor, action: 'federation.unfederate', target: domain.name, outcome, reason: reason ?? null, details });
  try {
    const { client, tenantId } = await openTenantGraph(deps, domain.organizationId);
    const tenantDomain = await readTenantDomain(client, domain.name);
    if (!tenantDomain) throw new LanyardError('TENANT_DOMAIN_NOT_FOUND', `${domain.name} is not a domain of the connected tenant`);
    const configuration = await readFederationConfiguration(client, domain.name);
    if (configuration && configuration.issuerUri !== domain.issuerUri) {
      throw new LanyardError('DOMAIN_FEDERATED_ELSEWHERE', `${domain.name} is federated to another identity provider (issuer ${configuration.issuerUri}); Lanyard leaves it alone`);
    }
    const federated = tenantDomain.authenticationType === 'Federated' || configuration !== undefined;
    const report = { domain: domain.name, tenantId, dryRun: input.dryRun, action: federated ? 'convert' : 'none', warnings: federated ? warnings : [] } as const;
    if (input.dryRun) return { ...report, authenticationType: tenantDomain.authenticationType };
    if (federated) {
      if (tenantDomain.authenticationType === 'Federated') await setDomainAuthenticationType(client, domain.name, 'Managed');
      const leftOver = await readFederationConfiguration(client, domain.name);
      if (leftOver) await deleteFederationConfiguration(client, domain.name, leftOver.id);
    }
    const stored = await readTenantDomain(client, domain.name);
    if (stored?.authenticationType !== 'Managed') {
      throw new LanyardError('FEDERATION_VERIFY_FAILED', `Microsoft still shows ${domain.name} as ${stored?.authenticationType ?? 'missing'}; run unfederate again`);
    }
    await unmarkDomainFederated(deps.db, domain.id);
    await audit('success', undefined, { tenantId, action: report.action });
    return { ...report, authenticationType: 'Managed' };
  } catch (error) {
    if (!input.dryRun) await audit('failure', error instanceof LanyardError ? error.code : 'INTERNAL_ERROR');
    throw error;
  }
}
