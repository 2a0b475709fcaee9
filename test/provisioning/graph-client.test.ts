import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../core/secret-box.ts';
import { insertOrganization } from '../../core/db/organizations.ts';
import { saveTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { openTenantGraph, tenantSecretContext } from '../../provisioning/tenant/graph-client.ts';
import { seedTenant, startTrustedEmulator, type SeededTenant } from '../emulator/harness.ts';
import { createTestDatabase, type TestDatabase } from '../harness/databases.ts';

/** openTenantGraph: stored connection → MSAL token (cached) → Graph client, against the emulator. */
let emulator: RunningEmulator;
let seeded: SeededTenant;
let database: TestDatabase;
const masterKey = randomBytes(32);

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  seeded = seedTenant(emulator, 'fabrikam', ['Domain.Read.All'], { domains: [{ id: 'fabrikam.com' }] });
  database = await createTestDatabase('sqlite');
});
afterAll(async () => {
  await database.drop();
  await emulator.close();
});

describe('openTenantGraph', () => {
  it('throws TENANT_NOT_CONNECTED (409) for an organization without a connection', async () => {
    const organization = await insertOrganization(database.db, { slug: 'lonely', name: 'Lonely' });
    const config = { microsoftLoginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl };
    await expect(openTenantGraph({ db: database.db, masterKey, config }, organization.id)).rejects.toMatchObject({ code: 'TENANT_NOT_CONNECTED', status: 409 });
  });

  it('calls Graph as the connected app and reuses its token', async () => {
    const organization = await insertOrganization(database.db, { slug: 'fabrikam', name: 'Fabrikam' });
    await saveTenantConnection(database.db, {
      organizationId: organization.id,
      tenantId: seeded.tenant.id,
      clientId: seeded.clientId,
      clientSecretEncrypted: createSecretBox(masterKey).seal(seeded.clientSecret, tenantSecretContext(organization.id)),
    });
    const config = { microsoftLoginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl };
    const first = await openTenantGraph({ db: database.db, masterKey, config }, organization.id);
    expect(first.tenantId).toBe(seeded.tenant.id);
    const domains = (await first.client.api('/domains').get()) as { value: { id: string }[] };
    expect(domains.value.map((domain) => domain.id).sort()).toEqual(['fabrikam.com', 'fabrikam.onmicrosoft.com']);
    const second = await openTenantGraph({ db: database.db, masterKey, config }, organization.id);
    await second.client.api('/domains/fabrikam.com').get();
    const tokenRequests = emulator.state.requestLog.filter((entry) => entry.path === `/${seeded.tenant.id}/oauth2/v2.0/token`);
    expect(tokenRequests).toHaveLength(1);
  });
});
