import { LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { markDomainFederated } from '../../core/db/domain-federations.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import type { Domain } from '../../core/db/schema.ts';
import { changeDomainSettings, requireDomain } from '../../idp/accounts/domains.ts';
import { graphFederationBody, type FederationProtocol, type MfaBehavior } from '../../idp/federation/graph-federation-body.ts';
import { createSigningKeyStore } from '../../idp/signing/key-store.ts';
import { trustedCertificates } from '../../idp/signing/rotation.ts';
import type { Config } from '../../core/config.ts';
import { openTenantGraph, type TenantGraphDeps } from '../tenant/graph-client.ts';
import { runFederationPreflight, type PreflightCheck } from './preflight.ts';
import { readFederationConfiguration, readTenantDomain, setDomainAuthenticationType, writeFederationConfiguration, type InternalDomainFederation } from './tenant-federation.ts';

export interface FederationDeps extends TenantGraphDeps {
  readonly secretBox: SecretBox;
  readonly config: Pick<Config, 'microsoftLoginUrl' | 'graphUrl' | 'publicUrl'>;
}

export interface FederateReport {
  readonly domain: string;
  readonly tenantId: string;
  readonly dryRun: boolean;
  /** create: POST federationConfiguration; update: PATCH the existing one. */
  readonly action: 'create' | 'update';
  readonly protocol: FederationProtocol;
  readonly mfaBehavior: MfaBehavior;
  readonly checks: readonly PreflightCheck[];
  /** The Graph body sent (or, with --dry-run, that would be sent). */
  readonly body: Record<string, unknown>;
  /** After a real run: what Graph shows now. */
  readonly result?: { readonly authenticationType: string; readonly federationConfigurationId: string };
}

/**
 * Federates a Lanyard domain in the organization's Microsoft 365 tenant: pre-flight checks, then
 * POST (first time) or PATCH (later runs) of the internalDomainFederation, then a read-back that the
 * domain is Federated with exactly Lanyard's issuer, endpoints and certificates. A failed check stops
 * before anything is written (FEDERATION_PREFLIGHT_FAILED, the checks in `details`). `dryRun` runs
 * the checks and builds the body, and writes nothing, here or at Microsoft; it may be given the
 * row a domain not added yet would have (newDomainRow), to show the pre-flight before adding it.
 *
 * @example
 *   const report = await federateDomain(context, { domain: 'contoso.com', protocol: 'saml', dryRun: false }, 'cli');
 */
export async function federateDomain(
  deps: FederationDeps,
  input: { domain: string | Domain; protocol?: FederationProtocol; mfaBehavior?: MfaBehavior; dryRun: boolean },
  actor: string,
): Promise<FederateReport> {
  // A row not stored yet (what adding the domain would store) is for a dry run only: a real run federates a stored domain.
  const domain = typeof input.domain !== 'string' && input.dryRun ? input.domain : await requireDomain(deps.db, typeof input.domain === 'string' ? input.domain : input.domain.name);
  const protocol = input.protocol ?? domain.protocol;
  const mfaBehavior = input.mfaBehavior ?? domain.mfaBehavior;
  const audit = (outcome: 'success' | 'failure', reason?: string, details: Record<string, unknown> = {}) =>
    recordAuditEvent(deps.db, { actor, action: 'federation.federate', target: domain.name, outcome, reason: reason ?? null, details: { protocol, mfaBehavior, ...details } });
  try {
    const { client, tenantId } = await openTenantGraph(deps, domain.organizationId);
    const tenantDomain = await readTenantDomain(client, domain.name);
    const existing = tenantDomain ? await readFederationConfiguration(client, domain.name) : undefined;
    const checks = await runFederationPreflight({ db: deps.db, client, domain, tenantDomain, existing });
    const failed = checks.filter((check) => !check.ok);
    if (failed.length > 0) {
      throw new LanyardError('FEDERATION_PREFLIGHT_FAILED', `cannot federate ${domain.name}:\n${formatChecks(failed)}`, { checks });
    }
    const body = await federationBody(deps, { ...domain, protocol }, mfaBehavior);
    const action = existing ? 'update' : 'create';
    if (input.dryRun) return { domain: domain.name, tenantId, dryRun: true, action, protocol, mfaBehavior, checks, body };

    await changeDomainSettings(deps.db, domain.name, { protocol, mfaBehavior }, actor);
    await writeFederationConfiguration(client, domain.name, existing, body);
    // Sources differ on whether POST alone makes the domain Federated (reference 4.4); make sure it is.
    let stored = await readTenantDomain(client, domain.name);
    if (stored?.authenticationType !== 'Federated') {
      await setDomainAuthenticationType(client, domain.name, 'Federated');
      stored = await readTenantDomain(client, domain.name);
    }
    const configuration = await readFederationConfiguration(client, domain.name);
    verifyStored(domain.name, stored?.authenticationType, configuration, body);
    await markDomainFederated(deps.db, { domainId: domain.id, organizationId: domain.organizationId, tenantId });
    await audit('success', undefined, { tenantId, action, federationConfigurationId: configuration!.id });
    return {
      domain: domain.name, tenantId, dryRun: false, action, protocol, mfaBehavior, checks, body,
      result: { authenticationType: stored!.authenticationType, federationConfigurationId: configuration!.id },
    };
  } catch (error) {
    if (!input.dryRun) await audit('failure', error instanceof LanyardError ? error.code : 'INTERNAL_ERROR');
    throw error;
  }
}

/** The Graph body for the domain, trusting the current key and the next (or previous) one. */
async function federationBody(deps: FederationDeps, domain: Domain, mfaBehavior: MfaBehavior): Promise<Record<string, unknown>> {
  const keys = createSigningKeyStore(deps.db, deps.secretBox);
  await keys.ensureCurrent();
  const published = await keys.published();
  const organization = await findOrganizationById(deps.db, domain.organizationId);
  const body = graphFederationBody({
    domain,
    publicUrl: deps.config.publicUrl,
    displayName: organization?.name ?? domain.name,
    protocol: domain.protocol,
    mfaBehavior,
    current: published.current,
    next: undefined,
  });
  // Explicit null on update, so a certificate left over from an earlier rollover is withdrawn.
  return { ...body, ...trustedCertificates(published) };
}

function verifyStored(name: string, authenticationType: string | undefined, stored: InternalDomainFederation | undefined, body: Record<string, unknown>): void {
  const fields = ['issuerUri', 'passiveSignInUri', 'preferredAuthenticationProtocol', 'signingCertificate', 'nextSigningCertificate', 'federatedIdpMfaBehavior'] as const;
  const wrong = stored ? fields.filter((field) => (stored[field] ?? null) !== (body[field] ?? null)) : ['federationConfiguration'];
  if (authenticationType !== 'Federated') wrong.push('authenticationType');
  if (wrong.length > 0) {
    throw new LanyardError('FEDERATION_VERIFY_FAILED', `Microsoft did not store the federation of ${name} as sent (${wrong.join(', ')} differ); run federate again or check the domain in the admin center`, { fields: wrong });
  }
}

/** Checks as indented lines for people: ✓/✗, message, then the fix and the affected users. */
export function formatChecks(checks: readonly PreflightCheck[]): string {
  return checks
    .flatMap((check) => [
      `  ${check.ok ? '✓' : '✗'} ${check.message}`,
      ...(check.fix ? [`      fix: ${check.fix}`] : []),
      ...(check.users ?? []).flatMap((user) => [`      - ${user.userPrincipalName} (${user.onPremisesImmutableId ?? 'no ImmutableID'})`, `        fix: ${user.fix}`]),
    ])
    .join('\n');
}
