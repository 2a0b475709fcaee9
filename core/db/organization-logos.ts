import { createHash } from 'node:crypto';
import type { CheckedLogo } from '../branding/logo-image.ts';
import type { Db } from './database.ts';

/** What pages need to show a logo: its URL and size (the bytes stay in the database). */
export interface LogoReference {
  readonly url: string;
  readonly width: number;
  readonly height: number;
  readonly contentType: string;
  readonly uploadedAt: string;
  readonly uploadedBy: string;
}

/** Where a logo is served: named by its hash, so a new logo is a new URL and each can be cached for ever. */
export const logoPathPrefix = '/branding/logo/';
const extensionOf = (contentType: string) => (contentType === 'image/png' ? 'png' : 'jpg');

/**
 * An organization's sign-in logo (migration 0024). The bytes were checked by checkLogoImage.
 *
 * @example
 *   await saveOrganizationLogo(db, organization.id, checkLogoImage(bytes), 'user:alice@contoso.com');
 *   (await findOrganizationLogo(db, organization.id))?.url; // → '/branding/logo/3f…9a.png'
 */
export async function saveOrganizationLogo(db: Db, organizationId: string, logo: CheckedLogo, actor: string, now: Date): Promise<LogoReference> {
  const values = {
    contentType: logo.contentType,
    sha256: createHash('sha256').update(logo.bytes).digest('hex'),
    width: logo.width,
    height: logo.height,
    bytesBase64: logo.bytes.toString('base64'),
    uploadedAt: now.toISOString(),
    uploadedBy: actor,
  };
  await db.insertInto('organizationLogos').values({ organizationId, ...values }).onConflict((conflict) => conflict.column('organizationId').doUpdateSet(values)).execute();
  return referenceOf(values);
}

export async function findOrganizationLogo(db: Db, organizationId: string): Promise<LogoReference | undefined> {
  const row = await db.selectFrom('organizationLogos').select(['contentType', 'sha256', 'width', 'height', 'uploadedAt', 'uploadedBy']).where('organizationId', '=', organizationId).executeTakeFirst();
  return row && referenceOf(row);
}

/** Whether a logo was removed. */
export async function removeOrganizationLogo(db: Db, organizationId: string): Promise<boolean> {
  const result = await db.deleteFrom('organizationLogos').where('organizationId', '=', organizationId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The bytes served at a logo URL: by hash and extension, or undefined. */
export async function findLogoBytes(db: Db, sha256: string, extension: string): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  const row = await db.selectFrom('organizationLogos').select(['contentType', 'bytesBase64']).where('sha256', '=', sha256).executeTakeFirst();
  if (!row || extensionOf(row.contentType) !== extension) return undefined;
  return { contentType: row.contentType, bytes: Buffer.from(row.bytesBase64, 'base64') };
}

function referenceOf(row: { contentType: string; sha256: string; width: number; height: number; uploadedAt: string; uploadedBy: string }): LogoReference {
  return { url: `${logoPathPrefix}${row.sha256}.${extensionOf(row.contentType)}`, width: row.width, height: row.height, contentType: row.contentType, uploadedAt: row.uploadedAt, uploadedBy: row.uploadedBy };
}
