import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../db/audit-events.ts';
import { isUniqueViolation, type Db } from '../../db/database.ts';
import { findDomainByName, insertDomain, updateDomainSettings } from '../../db/domains.ts';
import type { Domain } from '../../db/schema.ts';
import { requireOrganization } from './organizations.ts';
import { normalizeDomainName } from './validation.ts';

/** The per-domain issuer: unique per domain, as Entra requires when several domains are federated. */
export function issuerUriFor(publicUrl: string, domainName: string): string {
  return `${publicUrl}/federation/${domainName}`;
}

/**
 * Adds a domain to an organization. Its issuer is fixed now from LANYARD_PUBLIC_URL.
 *
 * @example
 *   await addDomain(db, config.publicUrl, { organization: 'contoso', name: 'contoso.com' }, 'cli');
 */
export async function addDomain(db: Db, publicUrl: string, input: { organization: string; name: string }, actor: string): Promise<Domain> {
  const organization = await requireOrganization(db, input.organization);
  const name = normalizeDomainName(input.name);
  try {
    const domain = await insertDomain(db, { organizationId: organization.id, name, issuerUri: issuerUriFor(publicUrl, name) });
    await recordAuditEvent(db, { actor, action: 'domain.add', target: name, outcome: 'success', details: { organization: organization.slug } });
    return domain;
  } catch (error) {
    if (isUniqueViolation(error)) throw new LanyardError('DOMAIN_EXISTS', `domain "${name}" is already registered`, 409);
    throw error;
  }
}

export async function requireDomain(db: Db, name: string): Promise<Domain> {
  const domain = await findDomainByName(db, name.trim().toLowerCase());
  if (!domain) throw new LanyardError('DOMAIN_NOT_FOUND', `no domain "${name}"`, 404);
  return domain;
}

/**
 * The registered domain a UPN belongs to: its own suffix, or the nearest registered parent
 * (Entra: subdomains use the parent's federation settings and issuer).
 */
export async function findDomainForUpnSuffix(db: Db, suffix: string): Promise<Domain | undefined> {
  const labels = suffix.toLowerCase().split('.');
  for (let index = 0; index < labels.length - 1; index++) {
    const domain = await findDomainByName(db, labels.slice(index).join('.'));
    if (domain) return domain;
  }
  return undefined;
}

export async function changeDomainSettings(
  db: Db,
  name: string,
  settings: { protocol?: Domain['protocol']; mfaBehavior?: Domain['mfaBehavior']; requireSignedRequests?: boolean },
  actor: string,
): Promise<Domain> {
  const domain = await requireDomain(db, name);
  const changes = {
    ...(settings.protocol && { protocol: settings.protocol }),
    ...(settings.mfaBehavior && { mfaBehavior: settings.mfaBehavior }),
    ...(settings.requireSignedRequests !== undefined && { requireSignedRequests: settings.requireSignedRequests ? 1 : 0 }),
  };
  await updateDomainSettings(db, domain.id, changes);
  await recordAuditEvent(db, { actor, action: 'domain.settings', target: domain.name, outcome: 'success', details: changes });
  return { ...domain, ...changes };
}
