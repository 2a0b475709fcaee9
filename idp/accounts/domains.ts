import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isUniqueViolation, type Db } from '../../core/db/database.ts';
import {
  countAccountsOfDomain, deleteUnusedDomain, findDomainByName, findRelatedDomainElsewhere, insertDomainUnrelatedElsewhere,
  updateDomainSettings, updateIssuerUnlessFederated,
} from '../../core/db/domains.ts';
import { findDomainFederation } from '../../core/db/domain-federations.ts';
import type { Domain } from '../../core/db/schema.ts';
import { issuerUriFor, validateIssuerUri } from './issuer.ts';
import { requireOrganization } from './organizations.ts';
import { normalizeDomainName } from './validation.ts';

/**
 * Adds a domain to an organization. Its issuer is fixed now from LANYARD_PUBLIC_URL (issuer.ts
 * says what can go wrong with that). Refused with DOMAIN_OWNED_ELSEWHERE when another
 * organization owns a parent or a subdomain of it: Microsoft 365 verifies a subdomain in its
 * root's tenant, so the two could never be different customers' domains.
 *
 * @example
 *   await addDomain(db, config.publicUrl, { organization: 'contoso', name: 'contoso.com' }, 'cli');
 */
export async function addDomain(db: Db, publicUrl: string, input: { organization: string; name: string }, actor: string): Promise<Domain> {
  const organization = await requireOrganization(db, input.organization);
  const name = normalizeDomainName(input.name);
  try {
    const domain = await insertDomainUnrelatedElsewhere(db, { organizationId: organization.id, name, issuerUri: issuerUriFor(publicUrl, name) });
    if (!domain) {
      const related = (await findRelatedDomainElsewhere(db, organization.id, name)) ?? 'a related domain';
      const relation = related.endsWith(`.${name}`) ? `${related} is a subdomain of it` : `it is a subdomain of ${related}`;
      throw new LanyardError('DOMAIN_OWNED_ELSEWHERE', `cannot add "${name}": ${relation}, which another organization owns`);
    }
    await recordAuditEvent(db, { actor, action: 'domain.add', target: name, outcome: 'success', details: { organization: organization.slug } });
    return domain;
  } catch (error) {
    if (isUniqueViolation(error)) {
      const taken = await findDomainByName(db, name);
      throw taken
        ? new LanyardError('DOMAIN_EXISTS', `domain "${name}" is already registered`)
        : new LanyardError('ISSUER_TAKEN', `the issuer ${issuerUriFor(publicUrl, name)} is another domain's`);
    }
    throw error;
  }
}

/**
 * Removes a domain added by mistake. Refused while it is federated (DOMAIN_FEDERATED: Microsoft
 * still sends its users here; unfederate first) and while accounts sign in through it
 * (DOMAIN_IN_USE: they would be locked out; remove or rename them first). Both are checked by
 * the DELETE itself.
 *
 * @example
 *   await removeDomain(db, 'contoso.con', 'cli');
 */
export async function removeDomain(db: Db, name: string, actor: string): Promise<Domain> {
  const domain = await requireDomain(db, name);
  if (!(await deleteUnusedDomain(db, domain))) {
    if (await findDomainFederation(db, domain.id)) throw federatedError(domain, 'remove it');
    const accounts = await countAccountsOfDomain(db, domain);
    throw new LanyardError('DOMAIN_IN_USE', `${accounts} account(s) sign in through ${domain.name}; remove or rename them first (\`lanyard user list\`)`, { accounts });
  }
  await recordAuditEvent(db, { actor, action: 'domain.remove', target: domain.name, outcome: 'success' });
  return domain;
}

/**
 * Corrects a domain's issuer (e.g. fixed from the wrong LANYARD_PUBLIC_URL at `domain add`).
 * Refused while the domain is federated: Microsoft holds the old issuer and would refuse every
 * token with the new one, so the domain is unfederated, corrected, then federated again.
 *
 * @example
 *   await setDomainIssuer(db, 'contoso.com', 'https://idp.contoso.com/federation/contoso.com', 'cli');
 */
export async function setDomainIssuer(db: Db, name: string, issuerUriInput: string, actor: string): Promise<Domain> {
  const domain = await requireDomain(db, name);
  const issuerUri = validateIssuerUri(issuerUriInput);
  try {
    if (!(await updateIssuerUnlessFederated(db, domain.id, issuerUri))) throw federatedError(domain, 'change its issuer');
  } catch (error) {
    if (isUniqueViolation(error)) throw new LanyardError('ISSUER_TAKEN', `the issuer ${issuerUri} is another domain's; each domain needs its own`);
    throw error;
  }
  await recordAuditEvent(db, { actor, action: 'domain.set-issuer', target: domain.name, outcome: 'success', details: { from: domain.issuerUri, to: issuerUri } });
  return { ...domain, issuerUri };
}

function federatedError(domain: Domain, action: string): LanyardError {
  return new LanyardError(
    'DOMAIN_FEDERATED',
    `${domain.name} is federated: Microsoft 365 sends its users to Lanyard and holds its issuer. To ${action}, run \`lanyard unfederate ${domain.name}\` first (then \`lanyard federate ${domain.name}\` again if it stays)`,
);
}

export async function requireDomain(db: Db, name: string): Promise<Domain> {
  const domain = await findDomainByName(db, name.trim().toLowerCase());
  if (!domain) throw new LanyardError('DOMAIN_NOT_FOUND', `no domain "${name}"`);
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
