import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { checkCustomerAccess, removeCustomerToken } from '../../csp/access/customer-access-admin.ts';
import { createConsentInvitation } from '../../csp/access/customer-consent.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findCustomerToken } from '../../csp/data/customer-tokens.ts';
import { findCustomerByRef } from '../../csp/data/customers.ts';
import { useKeyVault } from '../../csp/partners/token-storage-admin.ts';
import { tokenHash } from '../../csp/tokens/token-storage.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';
import { allowCustomerConsentRedirect, openPage, signInThroughWizard } from './customer-consent-driver.ts';
import { customerTenant } from './customer-tenants.ts';

const vaultAppSecret = 'key-vault-app~secret';
const secretName = 'northwindcsp-refresh-token';

/**
 * A customer's own token when the partner keeps its token in Key Vault: the consent writes a secret
 * of the customer's own (`{partner's name}-{tenant id}`), every rotation a new version with the old
 * one disabled, nothing sealed in the database; removing the token deletes that secret.
 */
describe('CSP customer own token in Key Vault', () => {
  let world: CspWorld;
  let tenant: Tenant;
  const vault = () => world.emulator.state.keyVaultSecrets;
  const deps = () => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: systemClock, config: world.lanyard.context.config });
  const row = async () => findCustomerToken(world.lanyard.context.db, (await findCustomerByRef(world.lanyard.context.db, 'vaulted.onmicrosoft.com'))!.id);

  beforeAll(async () => {
    world = await startCspWorld('sqlite', { extraApps: [{ clientSecret: vaultAppSecret, displayName: 'Lanyard Key Vault' }] });
    allowCustomerConsentRedirect(world);
    tenant = customerTenant(world, 'vaulted', { scopes: [] });
    await importCustomers({ ...deps(), config: world.lanyard.context.config }, world.partnerSlug, { dryRun: false }, 'test');
    await useKeyVault(world.lanyard.context, world.partnerSlug, { secretUrl: `${world.emulator.baseUrl}/secrets/${secretName}`, tenantId: world.partnerTenant.id, clientId: world.partnerTenant.apps[1]!.clientId, clientSecret: vaultAppSecret }, 'cli:test');
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('the consent writes the token to a secret of the customer, not the database; rotations add versions and disable the old', async () => {
    const { url } = await createConsentInvitation(deps(), 'vaulted.onmicrosoft.com', 'test');
    const page = await openPage(await signInThroughWizard(world, url, { tenant, login: 'admin@vaulted.onmicrosoft.com' }));
    expect(page.status, page.html).toBe(200);
    const name = `${secretName}-${tenant.id}`;
    const first = (await row())!;
    expect(first).toMatchObject({ tokenStorage: 'key-vault', refreshTokenSealed: null, keyVaultSecretUrl: `${world.emulator.baseUrl}/secrets/${name}` });
    expect(first.keyVaultClientSecretSealed).not.toContain(vaultAppSecret);
    const written = vault().get(name, first.keyVaultSecretVersion!)!;
    expect(tokenHash(written.value)).toBe(first.refreshTokenHash);
    // The partner's own secret is untouched by the customer's token.
    expect(vault().versions(secretName).every((version) => version.value !== written.value)).toBe(true);

    const result = await checkCustomerAccess(deps(), 'vaulted.onmicrosoft.com', { validate: true }, 'test');
    expect(result).toMatchObject({ ok: true, tokenSource: 'customer' });
    const second = (await row())!;
    expect(second.keyVaultSecretVersion).not.toBe(first.keyVaultSecretVersion);
    expect(vault().get(name, first.keyVaultSecretVersion!)!.enabled).toBe(false);
    expect(vault().get(name)!.version).toBe(second.keyVaultSecretVersion);
  });

  it('remove-token forgets it and deletes its secret', async () => {
    const removed = await removeCustomerToken(deps(), 'vaulted.onmicrosoft.com', 'test');
    expect(removed).toMatchObject({ removed: true, storage: 'key-vault', leftBehind: null });
    expect(vault().isDeleted(`${secretName}-${tenant.id}`)).toBe(true);
    expect(await row()).toBeUndefined();
  });
});
