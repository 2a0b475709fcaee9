import { randomBytes } from 'node:crypto';
import { createLogger } from '../../core/logger.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import type { Db } from '../../core/db/database.ts';
import { saveTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { addDomain } from '../../idp/accounts/domains.ts';
import { createOrganization } from '../../idp/accounts/organizations.ts';
import { addUser } from '../../idp/accounts/users.ts';
import { newLeaseOwner, type ProvisioningDeps } from '../../provisioning/runs/run-context.ts';
import { openTenantGraph, tenantSecretContext } from '../../provisioning/tenant/graph-client.ts';
import { createSigner } from '../emulator/federation-tokens.ts';
import { seedTenant } from '../emulator/harness.ts';

/** What the connected app may do: read and write users, read domains, assign licences. */
export const provisioningRoles = ['User.ReadWrite.All', 'Domain.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.Read.All'];
export const e3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const e5 = 'c7df2760-2c81-4ef7-b578-5b5392b571df';

let sequence = 0;

export interface ConnectedOrganization {
  readonly slug: string;
  readonly organizationId: string;
  /** The organization's domains, e.g. `o3-a.test`: the first is managed in the tenant, the second federated. */
  readonly managed: string;
  readonly federated: string;
  readonly tenant: Tenant;
  readonly deps: ProvisioningDeps;
}

/**
 * A Lanyard organization connected (through a stored, sealed tenant connection) to a fresh emulator
 * tenant with one managed and one federated domain, plus whatever else `seed` adds. Names are unique
 * per call, so one emulator and one database serve a whole test file.
 */
export async function connectOrganization(
  emulator: RunningEmulator,
  db: Db,
  seed: { users?: (prefix: { managed: string; federated: string }) => Record<string, unknown>[]; skus?: Record<string, unknown>[]; throttle?: Record<string, number> } = {},
  options: { leaseSeconds?: number; masterKey?: Buffer } = {},
): Promise<ConnectedOrganization> {
  sequence += 1;
  const slug = `o${sequence}-${randomBytes(3).toString('hex')}`;
  const managed = `${slug}-a.test`;
  const federated = `${slug}-b.test`;
  const seeded = seedTenant(emulator, slug, provisioningRoles, {
    domains: [{ id: managed }, { id: federated, federationConfiguration: await federationOf(federated) }],
    users: seed.users?.({ managed, federated }) ?? [],
    skus: seed.skus ?? [],
    ...(seed.throttle ? { throttle: seed.throttle } : {}),
  });
  const organization = await createOrganization(db, { slug, name: `${slug} Ltd` }, 'test');
  for (const name of [managed, federated]) await addDomain(db, 'https://idp.test', { organization: slug, name }, 'test');
  const masterKey = options.masterKey ?? randomBytes(32);
  await saveTenantConnection(db, {
    organizationId: organization.id,
    tenantId: seeded.tenant.id,
    clientId: seeded.clientId,
    clientSecretEncrypted: createSecretBox(masterKey).seal(seeded.clientSecret, tenantSecretContext(organization.id)),
  });
  const config = { microsoftLoginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl };
  const deps: ProvisioningDeps = {
    db,
    logger: createLogger('silent'),
    openGraph: (organizationId) => openTenantGraph({ db, masterKey, config }, organizationId),
    leaseSeconds: options.leaseSeconds ?? 30,
    owner: newLeaseOwner(),
    publicUrl: 'https://idp.test',
    retryPolicy: { maxAttempts: 6, maxThrottledAttempts: 60, baseDelayMs: 20, maxDelayMs: 500 },
  };
  return { slug, organizationId: organization.id, managed, federated, tenant: seeded.tenant, deps };
}

/** A federation configuration the emulator accepts (its certificate is never used here). */
async function federationOf(domain: string): Promise<Record<string, unknown>> {
  return {
    issuerUri: `https://idp.test/federation/${domain}`,
    passiveSignInUri: `https://idp.test/federation/${domain}/wsfed`,
    preferredAuthenticationProtocol: 'wsFed',
    signingCertificate: await testCertificate(),
  };
}

/** Adds active local accounts `name@domain` (no password needed for export). */
export async function addAccounts(db: Db, domain: string, names: readonly string[], extra: { displayName?: (name: string) => string } = {}) {
  const users = [];
  for (const name of names) {
    users.push(await addUser(db, { upn: `${name}@${domain}`, displayName: extra.displayName?.(name) ?? `${name} Person` }, { actor: 'test', passwordHashCost: 10 }));
  }
  return users;
}

/** Tenant users of `domain` by lower-case UPN. */
export function tenantUsersOf(tenant: Tenant, domain: string) {
  return [...tenant.users.values()].filter((user) => user.userPrincipalName.toLowerCase().endsWith(`@${domain}`));
}

let certificate: Promise<string> | undefined;
/** One real self-signed certificate for every federated test domain. */
function testCertificate(): Promise<string> {
  certificate ??= createSigner('CN=Lanyard test IdP').then((signer) => signer.certificate);
  return certificate;
}
