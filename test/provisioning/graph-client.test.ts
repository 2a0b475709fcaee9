import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../core/secret-box.ts';
import { insertOrganization } from '../../core/db/organizations.ts';
import { saveTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { withGraphRetry, type RetryPolicy } from '../../provisioning/graph/retry.ts';
import { openTenantGraph, tenantSecretContext } from '../../provisioning/tenant/graph-client.ts';
import { seedTenant, startTrustedEmulator, type SeededTenant } from '../emulator/harness.ts';
import { createTestDatabase, type TestDatabase } from '../harness/databases.ts';

/**
 * openTenantGraph: stored connection → MSAL token (cached) → Graph client, against the emulator.
 * Retrying is Lanyard's alone: the client sends exactly one request per attempt of Lanyard's retry
 * policy (the SDK's own RetryHandler would multiply them and hide throttling from the run's counts).
 */
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

describe('Graph requests per Lanyard attempt', () => {
  const policy: RetryPolicy = { maxAttempts: 3, maxThrottledAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
  const fault = (body: Record<string, unknown>) =>
    fetch(`${emulator.baseUrl}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const domainRequests = () => emulator.state.requestLog.filter((entry) => entry.path === '/v1.0/domains').length;

  it.each([503, 429])('sends exactly one request per attempt when Graph answers %i', async (status) => {
    const organization = await insertOrganization(database.db, { slug: `retry-${status}`, name: `Retry ${status}` });
    await saveTenantConnection(database.db, {
      organizationId: organization.id,
      tenantId: seeded.tenant.id,
      clientId: seeded.clientId,
      clientSecretEncrypted: createSecretBox(masterKey).seal(seeded.clientSecret, tenantSecretContext(organization.id)),
    });
    const { client } = await openTenantGraph({ db: database.db, masterKey, config: { microsoftLoginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl } }, organization.id);
    await client.api('/domains').get();

    // Every attempt fails: the policy's 3 attempts are 3 requests, then the error.
    let before = domainRequests();
    expect((await fault({ pathPattern: '^/v1\\.0/domains$', method: 'GET', status, retryAfterSeconds: 0, count: 10 })).status).toBe(204);
    await expect(withGraphRetry(() => client.api('/domains').get(), { policy })).rejects.toMatchObject({ statusCode: status });
    expect(domainRequests() - before).toBe(3);
    await fetch(`${emulator.baseUrl}/_emulator/faults`, { method: 'DELETE' });

    // One failure, then an answer: 2 requests.
    before = domainRequests();
    await fault({ pathPattern: '^/v1\\.0/domains$', method: 'GET', status, retryAfterSeconds: 0, count: 1 });
    const stats = { throttled: 0, retried: 0 };
    await withGraphRetry(() => client.api('/domains').get(), { policy, stats });
    expect(domainRequests() - before).toBe(2);
    expect(stats).toEqual({ throttled: status === 429 ? 1 : 0, retried: 1 });
  });
});
