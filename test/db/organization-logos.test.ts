import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLogoImage } from '../../core/branding/logo-image.ts';
import { findLogoBytes, findOrganizationLogo, removeOrganizationLogo, saveOrganizationLogo } from '../../core/db/organization-logos.ts';
import { insertOrganization } from '../../core/db/organizations.ts';
import { jpegHeaderOnly, pngLogo } from '../fixtures/logo-images.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/** The organizations' logos (migration 0024) behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('organization logos on %s', (dialect) => {
  let database: TestDatabase;
  let organizationId: string;
  const at = new Date('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    organizationId = (await insertOrganization(database.db, { slug: 'contoso', name: 'Contoso' })).id;
  });
  afterAll(() => database.drop());

  it('stores a logo under its hash, returns the same bytes, and replaces it on a new upload', async () => {
    const png = pngLogo(64, 32);
    const saved = await saveOrganizationLogo(database.db, organizationId, checkLogoImage(png), 'user:alice@contoso.com', at);
    const sha256 = createHash('sha256').update(png).digest('hex');
    expect(saved).toEqual({ url: `/branding/logo/${sha256}.png`, width: 64, height: 32, contentType: 'image/png', uploadedAt: at.toISOString(), uploadedBy: 'user:alice@contoso.com' });
    expect(await findOrganizationLogo(database.db, organizationId)).toEqual(saved);
    const served = await findLogoBytes(database.db, sha256, 'png');
    expect(served?.contentType).toBe('image/png');
    expect(served?.bytes.equals(png)).toBe(true);
    expect(await findLogoBytes(database.db, sha256, 'jpg')).toBeUndefined();
    expect(await findLogoBytes(database.db, 'not-a-hash', 'png')).toBeUndefined();

    const jpeg = jpegHeaderOnly(200, 50);
    const replaced = await saveOrganizationLogo(database.db, organizationId, checkLogoImage(jpeg), 'cli', at);
    expect(replaced.url).toMatch(/\.jpg$/);
    expect(await findLogoBytes(database.db, sha256, 'png')).toBeUndefined();
    expect((await database.db.selectFrom('organizationLogos').selectAll().execute())).toHaveLength(1);
  });

  it('removes the logo, and says when there was none', async () => {
    expect(await removeOrganizationLogo(database.db, organizationId)).toBe(true);
    expect(await findOrganizationLogo(database.db, organizationId)).toBeUndefined();
    expect(await removeOrganizationLogo(database.db, organizationId)).toBe(false);
  });
});
