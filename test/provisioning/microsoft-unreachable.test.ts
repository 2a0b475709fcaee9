import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLanyardError } from '../../core/errors.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createOrganization } from '../../idp/accounts/organizations.ts';
import { createGraphClient } from '../../provisioning/tenant/graph-client.ts';
import { connectTenant, listTenantDomains } from '../../provisioning/tenant/tenant-connection.ts';
import { federationAppRoles } from '../e2e/federation-stack.ts';
import { seedTenant, startTrustedEmulator, type SeededTenant } from '../emulator/harness.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { freePort } from '../harness/free-port.ts';

/**
 * A network that fails (nothing listening, a name that does not resolve) is reported as
 * MICROSOFT_UNREACHABLE with the host and the socket error code, for the login URL (MSAL) and for
 * Graph alike, and never as Microsoft refusing the credentials; a real refusal stays
 * TENANT_AUTH_FAILED with its AADSTS code.
 */
let emulator: RunningEmulator;
let seeded: SeededTenant;
let closedUrl: string;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  seeded = seedTenant(emulator, 'unreachable', federationAppRoles, { domains: [{ id: 'unreachable.example' }] });
  closedUrl = `https://127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  await emulator.close();
});

async function failureOf(action: () => Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  const error = await action().then(() => undefined, (caught: unknown) => caught);
  if (!isLanyardError(error)) throw new Error(`expected a LanyardError, got ${String(error)}`);
  return { code: error.code, message: error.message, details: error.details };
}

describe.each(dialects)('tenant connect without a network on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    await createOrganization(database.db, { slug: 'unreachable', name: 'Unreachable Ltd' }, 'test');
  });
  afterAll(async () => {
    await database.drop();
  });

  const connect = (microsoftLoginUrl: string, clientSecret = seeded.clientSecret) =>
    connectTenant(
      { db: database.db, masterKey: randomBytes(32), config: { microsoftLoginUrl, graphUrl: emulator.baseUrl } },
      { organization: 'unreachable', tenantId: seeded.tenant.id, clientId: seeded.clientId, clientSecret },
      'test',
    );

  it('says the login URL refused the connection, with host and ECONNREFUSED', async () => {
    const failure = await failureOf(() => connect(closedUrl));
    expect(failure).toMatchObject({ code: 'MICROSOFT_UNREACHABLE', details: { host: new URL(closedUrl).host, errorCode: 'ECONNREFUSED' } });
    expect(failure.message).not.toContain('refused the app credentials');
  });

  it('says the name does not resolve for a host without DNS', async () => {
    const failure = await failureOf(() => connect('https://login.lanyard-test.invalid'));
    expect(failure.code).toBe('MICROSOFT_UNREACHABLE');
    expect((failure.details as { errorCode: string }).errorCode).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  });

  it('still reports a wrong secret as Microsoft refusing it', async () => {
    const failure = await failureOf(() => connect(emulator.baseUrl, 'wrong-secret'));
    expect(failure.code).toBe('TENANT_AUTH_FAILED');
    expect(failure.message).toContain('AADSTS7000215');
  });
});

describe('Graph without a network', () => {
  it('says Graph is unreachable, with its host, when the token came through', async () => {
    const client = createGraphClient({ microsoftLoginUrl: emulator.baseUrl, graphUrl: closedUrl }, { tenantId: seeded.tenant.id, clientId: seeded.clientId, clientSecret: seeded.clientSecret });
    const failure = await failureOf(() => listTenantDomains(client));
    expect(failure).toMatchObject({ code: 'MICROSOFT_UNREACHABLE', details: { host: new URL(closedUrl).host, errorCode: 'ECONNREFUSED' } });
  });

  it('says the login URL is unreachable when the token for a Graph call could not be fetched', async () => {
    const client = createGraphClient({ microsoftLoginUrl: closedUrl, graphUrl: emulator.baseUrl }, { tenantId: seeded.tenant.id, clientId: seeded.clientId, clientSecret: seeded.clientSecret });
    const failure = await failureOf(() => listTenantDomains(client));
    expect(failure).toMatchObject({ code: 'MICROSOFT_UNREACHABLE', details: { host: new URL(closedUrl).host, errorCode: 'ECONNREFUSED' } });
  });
});
