import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isUniqueViolation, type Db } from '../../core/db/database.ts';
import { listDomains } from '../../core/db/domains.ts';
import { deleteEmptyOrganization, findOrganizationBySlug, insertOrganization, updateOrganizationMfaPolicy } from '../../core/db/organizations.ts';
import type { Organization } from '../../core/db/schema.ts';
import { normalizeSlug } from './validation.ts';

/**
 * Creates an organization (the tenant of Lanyard's own data). TOTP is required by default.
 *
 * @example
 *   await createOrganization(db, { slug: 'contoso', name: 'Contoso Ltd' }, 'cli');
 */
export async function createOrganization(
  db: Db,
  input: { slug: string; name: string; mfaPolicy?: Organization['mfaPolicy'] },
  actor: string,
): Promise<Organization> {
  const slug = normalizeSlug(input.slug);
  const name = input.name.trim();
  if (name.length === 0 || name.length > 256) throw new LanyardError('ORG_NAME_INVALID', 'organization name must be 1-256 characters');
  try {
    const organization = await insertOrganization(db, { slug, name, mfaPolicy: input.mfaPolicy ?? 'required' });
    await recordAuditEvent(db, { actor, action: 'org.create', target: slug, outcome: 'success' });
    return organization;
  } catch (error) {
    if (isUniqueViolation(error)) throw new LanyardError('ORG_EXISTS', `organization "${slug}" already exists`);
    throw error;
  }
}

/**
 * Removes an organization created by mistake, with its agents, tenant connection, provisioning
 * settings and runs, and API tokens. Refused while it has domains (ORG_HAS_DOMAINS: `domain
 * remove` them first) or accounts (ORG_HAS_ACCOUNTS), as the DELETE itself checks.
 *
 * @example
 *   await removeOrganization(db, 'contsoo', 'cli');
 */
export async function removeOrganization(db: Db, slug: string, actor: string): Promise<Organization> {
  const organization = await requireOrganization(db, slug);
  if (!(await deleteEmptyOrganization(db, organization.id))) {
    const domains = (await listDomains(db, organization.id)).map((domain) => domain.name);
    throw domains.length > 0
      ? new LanyardError('ORG_HAS_DOMAINS', `${organization.slug} still has the domains ${domains.join(', ')}; remove them first (\`lanyard domain remove <domain>\`)`, { domains })
      : new LanyardError('ORG_HAS_ACCOUNTS', `${organization.slug} still has accounts; remove them first (\`lanyard user list ${organization.slug}\`)`);
  }
  await recordAuditEvent(db, { actor, action: 'org.remove', target: organization.slug, outcome: 'success' });
  return organization;
}

export async function requireOrganization(db: Db, slug: string): Promise<Organization> {
  const organization = await findOrganizationBySlug(db, slug.trim().toLowerCase());
  if (!organization) throw new LanyardError('ORG_NOT_FOUND', `no organization "${slug}"`);
  return organization;
}

export async function setOrganizationMfaPolicy(db: Db, slug: string, mfaPolicy: Organization['mfaPolicy'], actor: string): Promise<Organization> {
  const organization = await requireOrganization(db, slug);
  await updateOrganizationMfaPolicy(db, organization.id, mfaPolicy);
  await recordAuditEvent(db, { actor, action: 'org.mfa-policy', target: organization.slug, outcome: 'success', details: { mfaPolicy } });
  return { ...organization, mfaPolicy };
}
