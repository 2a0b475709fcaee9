import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { listFederatedDomains } from '../../core/db/domain-federations.ts';
import type { TrustedCertificates } from '../../idp/signing/rotation.ts';
import { openTenantGraph, type TenantGraph, type TenantGraphDeps } from '../tenant/graph-client.ts';
import { readFederationConfiguration, writeFederationConfiguration } from './tenant-federation.ts';

export interface CertificatePush {
  readonly domain: string;
  readonly tenantId: string;
  /** updated: PATCHed; unchanged: Microsoft already trusted exactly these; missing: no federation found in the tenant. */
  readonly outcome: 'updated' | 'unchanged' | 'missing';
}

/**
 * Makes every domain Lanyard federated trust `certificates` (PATCH signingCertificate and
 * nextSigningCertificate of its internalDomainFederation), one domain after another, reading each
 * back. Stops at the first failure with CERTIFICATE_PUSH_FAILED, so the key rollover step that
 * asked for the push does not switch locally. The pushes already made are safe on their own: each
 * rollover step's pair still trusts the key Lanyard signs with before the step.
 *
 * @example
 *   await pushTrustedCertificates(context, { signingCertificate, nextSigningCertificate }, 'activate', 'cli');
 */
export async function pushTrustedCertificates(deps: TenantGraphDeps, certificates: TrustedCertificates, step: string, actor: string): Promise<CertificatePush[]> {
  const graphs = new Map<string, TenantGraph>();
  const pushes: CertificatePush[] = [];
  for (const domain of await listFederatedDomains(deps.db)) {
    try {
      let graph = graphs.get(domain.organizationId);
      if (!graph) graphs.set(domain.organizationId, (graph = await openTenantGraph(deps, domain.organizationId)));
      const existing = await readFederationConfiguration(graph.client, domain.name);
      let outcome: CertificatePush['outcome'] = 'missing';
      if (existing && existing.issuerUri === domain.issuerUri) {
        const same = existing.signingCertificate === certificates.signingCertificate && (existing.nextSigningCertificate ?? null) === certificates.nextSigningCertificate;
        if (!same) {
          const stored = await writeFederationConfiguration(graph.client, domain.name, existing, { ...certificates });
          if (stored.signingCertificate !== certificates.signingCertificate || (stored.nextSigningCertificate ?? null) !== certificates.nextSigningCertificate) {
            throw new LanyardError('CERTIFICATE_PUSH_FAILED', 'Microsoft did not store the certificates as sent');
          }
        }
        outcome = same ? 'unchanged' : 'updated';
      }
      await recordAuditEvent(deps.db, { actor, action: 'federation.certificates.push', target: domain.name, outcome: 'success', details: { step, tenantId: graph.tenantId, result: outcome } });
      pushes.push({ domain: domain.name, tenantId: graph.tenantId, outcome });
    } catch (error) {
      const code = error instanceof LanyardError ? error.code : 'INTERNAL_ERROR';
      await recordAuditEvent(deps.db, { actor, action: 'federation.certificates.push', target: domain.name, outcome: 'failure', reason: code, details: { step } });
      const message = error instanceof Error ? error.message : String(error);
      throw new LanyardError('CERTIFICATE_PUSH_FAILED', `could not update the signing certificates of ${domain.name} at Microsoft (${code}: ${message}); nothing was switched locally, run \`lanyard keys rotate\` again once this is fixed`, { domain: domain.name, cause: code });
    }
  }
  return pushes;
}
