import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { findOrganizationLogo, removeOrganizationLogo, saveOrganizationLogo, type LogoReference } from '../../core/db/organization-logos.ts';
import type { Organization } from '../../core/db/schema.ts';
import { checkLogoImage } from '../../core/branding/logo-image.ts';
import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import type { UploadedFile } from '../../core/http/multipart-body.ts';
import { organizationTarget, requireCan } from '../admins.ts';
import type { Admin } from '../policy.ts';

export async function organizationBranding(db: Db, organization: Organization): Promise<{ logo: LogoReference | null }> {
  return { logo: (await findOrganizationLogo(db, organization.id)) ?? null };
}

/** Stores an uploaded logo after checking its bytes (PNG or JPEG only, size and dimensions); audited either way. */
export async function uploadOrganizationLogo(db: Db, admin: Admin, organization: Organization, file: UploadedFile | undefined, now: Date): Promise<LogoReference> {
  requireCan(admin, 'organization.branding', await organizationTarget(db, organization));
  try {
    if (!file || file.bytes.length === 0) throw new LanyardError('LOGO_INVALID', 'Choose a PNG or JPEG file to upload.');
    const logo = await saveOrganizationLogo(db, organization.id, checkLogoImage(file.bytes), admin.actor, now);
    await recordAuditEvent(db, { actor: admin.actor, action: 'organization.logo-upload', target: organization.slug, outcome: 'success', details: { contentType: logo.contentType, width: logo.width, height: logo.height, bytes: file.bytes.length } }, now);
    return logo;
  } catch (error) {
    if (error instanceof LanyardError) {
      await recordAuditEvent(db, { actor: admin.actor, action: 'organization.logo-upload', target: organization.slug, outcome: 'failure', reason: error.code, details: { bytes: file?.bytes.length ?? 0 } }, now);
    }
    throw error;
  }
}

export async function removeLogoOf(db: Db, admin: Admin, organization: Organization, now: Date): Promise<boolean> {
  requireCan(admin, 'organization.branding', await organizationTarget(db, organization));
  const removed = await removeOrganizationLogo(db, organization.id);
  await recordAuditEvent(db, { actor: admin.actor, action: 'organization.logo-remove', target: organization.slug, outcome: 'success', details: { removed } }, now);
  return removed;
}
