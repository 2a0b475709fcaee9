import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../core/secret-box.ts';
import { insertDomain } from '../../core/db/domains.ts';
import { listFederatedDomains, markDomainFederated, unmarkDomainFederated } from '../../core/db/domain-federations.ts';
import { insertOrganization } from '../../core/db/organizations.ts';
import { findTenantConnection, saveTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import { tenantSecretContext } from '../../provisioning/tenant/graph-client.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/** Tenant connections and federated-domain marks behave the same on SQLite and PostgreSQL. */
describe.each(dialects)('tenant connection repositories on %s', (dialect) => {
  let database: TestDatabase;
  let organizationId: string;
  let domainId: string;
  const box = createSecretBox(randomBytes(32));

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    organizationId = (await insertOrganization(database.db, { slug: 'contoso', name: 'Contoso' })).id;
    domainId = (await insertDomain(database.db, { organizationId, name: 'contoso.com', issuerUri: 'https://idp/federation/contoso.com' })).id;
  });
  afterAll(async () => {
    await database.drop();
  });

  it('saves a connection, then replaces it in place keeping connectedAt', async () => {
    const sealed = box.seal('first-secret', tenantSecretContext(organizationId));
    const first = await saveTenantConnection(database.db, { organizationId, tenantId: 't1', clientId: 'c1', clientSecretEncrypted: sealed }, new Date('2030-01-01T00:00:00Z'));
    expect(first).toMatchObject({ tenantId: 't1', clientId: 'c1', connectedAt: '2030-01-01T00:00:00.000Z' });
    expect(box.open(first.clientSecretEncrypted, tenantSecretContext(organizationId)).toString()).toBe('first-secret');

    const second = await saveTenantConnection(database.db, { organizationId, tenantId: 't2', clientId: 'c2', clientSecretEncrypted: 'x' }, new Date('2030-01-02T00:00:00Z'));
    expect(second).toMatchObject({ tenantId: 't2', clientId: 'c2', connectedAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-02T00:00:00.000Z' });
  });

  it('marks a domain federated once, lists it with its tenant, and unmarks it', async () => {
    await markDomainFederated(database.db, { domainId, organizationId, tenantId: 't1' });
    await markDomainFederated(database.db, { domainId, organizationId, tenantId: 't2' });
    const listed = await listFederatedDomains(database.db, organizationId);
    expect(listed.map((domain) => [domain.name, domain.tenantId])).toEqual([['contoso.com', 't2']]);
    expect(await unmarkDomainFederated(database.db, domainId)).toBe(true);
    expect(await listFederatedDomains(database.db)).toEqual([]);
  });
});
