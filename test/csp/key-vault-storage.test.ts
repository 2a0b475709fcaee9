import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPartnerBySlug } from '../../csp/data/partners.ts';
import { tokenRenewalJob } from '../../csp/jobs/token-renewal-job.ts';
import { checkPartnerAccess } from '../../csp/partners/access-check.ts';
import { changePartner } from '../../csp/partners/partner-change.ts';
import { partnerRefreshTokenContext } from '../../csp/partners/partner-admin.ts';
import { useDatabase, useKeyVault } from '../../csp/partners/token-storage-admin.ts';
import { redeemRefreshToken } from '../../csp/tokens/entra-client.ts';
import { partnerApp, refreshPartnerToken, refreshStored } from '../../csp/tokens/partner-tokens.ts';
import { tokenHash, tokenStoreFor } from '../../csp/tokens/token-storage.ts';
import { openPartnerCenter } from '../../csp/partner-center/open-partner-center.ts';
import { systemClock } from '../../core/clock.ts';
import { isLanyardError } from '../../core/errors.ts';
import { dialects } from '../harness/databases.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { consentAs, startCspWorld, type CspWorld } from './csp-harness.ts';

const vaultAppSecret = 'key-vault-app~secret';
const secretName = 'northwindcsp-refresh-token';

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (isLanyardError(error)) return { code: error.code, details: error.details as Record<string, unknown> };
    throw error;
  }
  throw new Error('expected a LanyardError');
};

/**
 * The refresh token in Key Vault, end to end against the emulator's vault (401 challenge, versions,
 * disable, soft delete) and Entra (rotation on every use, a used token refused): moving it there,
 * every rotation written back as a new version with the old one disabled and never used again, the
 * compare-and-set under a race, the access check, the renewal job, and moving it back.
 */
describe.each(dialects)('partner refresh token in Key Vault on %s', (dialect) => {
  let world: CspWorld;
  let secretUrl: string;
  let vaultApp: { tenantId: string; clientId: string };
  const vault = () => world.emulator.state.keyVaultSecrets;
  const deps = () => world.lanyard.context;
  const databaseToken = async () => {
    const row = await world.partner();
    return row.refreshTokenSealed ? world.lanyard.context.secretBox.open(row.refreshTokenSealed, partnerRefreshTokenContext(row.id)).toString('utf8') : null;
  };

  beforeAll(async () => {
    world = await startCspWorld(dialect, { extraApps: [{ clientSecret: vaultAppSecret, displayName: 'Lanyard Key Vault' }] });
    secretUrl = `${world.emulator.baseUrl}/secrets/${secretName}`;
    // The emulator's vault belongs to its first tenant, the partner's here.
    vaultApp = { tenantId: world.partnerTenant.id, clientId: world.partnerTenant.apps[1]!.clientId };
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('refuses a bad secret URL or Key Vault credentials and leaves the token in the database', async () => {
    const before = await databaseToken();
    expect(before).not.toBeNull();
    expect((await codeOf(useKeyVault(deps(), world.partnerSlug, { secretUrl: `${secretUrl}/0123`, ...vaultApp, clientSecret: vaultAppSecret }, 'cli:test'))).code).toBe('CSP_KEY_VAULT_URL_INVALID');
    expect((await codeOf(useKeyVault(deps(), world.partnerSlug, { secretUrl: secretUrl.replace('https:', 'http:'), ...vaultApp, clientSecret: vaultAppSecret }, 'cli:test'))).code).toBe('CSP_KEY_VAULT_URL_INVALID');
    const wrong = await codeOf(useKeyVault(deps(), world.partnerSlug, { secretUrl, ...vaultApp, clientSecret: 'not-the-secret' }, 'cli:test'));
    expect(wrong).toMatchObject({ code: 'CSP_KEY_VAULT_REFUSED', details: { aadsts: 'AADSTS7000215' } });
    expect((await world.partner()).tokenStorage).toBe('database');
    expect(await databaseToken()).toBe(before);
    expect(vault().get(secretName)).toBeUndefined();
  });

  it('moves the current token into Key Vault and removes it from the database', async () => {
    const before = (await databaseToken())!;
    const move = await useKeyVault(deps(), world.partnerSlug, { secretUrl, ...vaultApp, clientSecret: vaultAppSecret }, 'cli:test');
    expect(move).toMatchObject({ movedToken: true, leftBehind: null, partner: { tokenStorage: 'key-vault', keyVaultSecretUrl: secretUrl, hasRefreshToken: true } });
    const row = await world.partner();
    expect(row).toMatchObject({ tokenStorage: 'key-vault', refreshTokenSealed: null, refreshTokenHash: tokenHash(before) });
    expect(row.keyVaultClientSecretSealed).not.toContain(vaultAppSecret);
    const current = vault().get(secretName)!;
    expect(current.value).toBe(before);
    expect(current.version).toBe(row.keyVaultSecretVersion);
    expect(JSON.stringify(move)).not.toContain(before);
  });

  it('refuses a wrong Key Vault secret even right after the right one was used (no cached token vouches for it)', async () => {
    const wrong = await codeOf(useKeyVault(deps(), world.partnerSlug, { secretUrl: `${world.emulator.baseUrl}/secrets/elsewhere`, ...vaultApp, clientSecret: 'not-the-secret' }, 'cli:test'));
    expect(wrong).toMatchObject({ code: 'CSP_KEY_VAULT_REFUSED', details: { aadsts: 'AADSTS7000215' } });
    expect((await world.partner()).keyVaultSecretUrl).toBe(secretUrl);
    expect(vault().get('elsewhere')).toBeUndefined();
  });

  it('writes the rotated token back to Key Vault as a new version; the old one is disabled and never used again', async () => {
    const before = await world.partner();
    const oldToken = vault().get(secretName, before.keyVaultSecretVersion!)!.value;
    const status = await refreshPartnerToken(deps(), world.partnerSlug, 'cli:test');
    expect(status.state).toBe('valid');
    const after = await world.partner();
    expect(after.keyVaultSecretVersion).not.toBe(before.keyVaultSecretVersion);
    const current = vault().get(secretName)!;
    expect(current.version).toBe(after.keyVaultSecretVersion);
    expect(current.value).not.toBe(oldToken);
    expect(after.refreshTokenHash).toBe(tokenHash(current.value));
    expect(after.refreshTokenSealed).toBeNull();
    expect(vault().get(secretName, before.keyVaultSecretVersion!)!.enabled).toBe(false);
    // Entra spent the old token, and Key Vault no longer gives it out.
    expect((await codeOf(redeemRefreshToken(partnerApp(world.lanyard.context.secretBox, after), oldToken))).details).toMatchObject({ aadsts: 'AADSTS70000' });
    const response = await fetch(`${secretUrl}/${before.keyVaultSecretVersion}?api-version=7.4`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('resource="https://vault.azure.net"');
  });

  it('serves Partner Center calls from the token in Key Vault, rotating it there', async () => {
    const before = (await world.partner()).keyVaultSecretVersion;
    const pc = openPartnerCenter({ ...deps(), clock: systemClock }, await world.partner(), 'cli:test');
    const { status } = await pc.call('GET', '/v1/customers', { query: { size: '1' } });
    expect(status).toBe(200);
    const after = await world.partner();
    expect(after.keyVaultSecretVersion).not.toBe(before);
    expect(vault().get(secretName)!.version).toBe(after.keyVaultSecretVersion);
  });

  it('a new consent writes its token to Key Vault, and a caller holding an old copy of the partner still uses the current token', async () => {
    const stale = await world.partner();
    await consentAs(world.emulator, world.lanyard, world.partnerTenant.id, world.partnerSlug, world.agentUpn);
    const after = await world.partner();
    expect(after.keyVaultSecretVersion).not.toBe(stale.keyVaultSecretVersion);
    expect(after.refreshTokenSealed).toBeNull();
    expect(vault().get(secretName)!.version).toBe(after.keyVaultSecretVersion);
    expect(vault().get(secretName, stale.keyVaultSecretVersion!)!.enabled).toBe(false);
    // The stale row names a disabled version; the redemption reads the recorded one.
    await refreshStored(deps(), stale, 'cli:test', new Date());
    expect((await world.partner()).tokenState).toBe('valid');
  });

  it('of two redemptions of the same token, one stores its token and the other neither overwrites nor drops it', async () => {
    const row = await world.partner();
    const results = await Promise.allSettled([refreshStored(deps(), row, 'node-a', new Date()), refreshStored(deps(), row, 'node-b', new Date())]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as { details: { aadsts: string } }).details.aadsts).toBe('AADSTS70000');
    const after = await world.partner();
    expect(after.tokenState).toBe('valid');
    const stored = await tokenStoreFor(deps(), after).read();
    expect(tokenHash(stored!.token)).toBe(after.refreshTokenHash);
    expect(vault().get(secretName)!.version).toBe(after.keyVaultSecretVersion);
    // And the stored token works.
    expect((await refreshPartnerToken(deps(), world.partnerSlug, 'cli:test')).state).toBe('valid');
  });

  it('a write that lost the compare-and-set leaves its own version disabled and the recorded one in use', async () => {
    const row = await world.partner();
    const stale = { storage: 'key-vault' as const, version: '0'.repeat(32) };
    expect(await tokenStoreFor(deps(), row).write('a-token-nobody-should-use', { replacing: stale, obtained: false }, new Date())).toBe(false);
    const versions = vault().versions(secretName);
    const lost = versions.at(-1)!;
    expect(lost.value).toBe('a-token-nobody-should-use');
    expect(lost.enabled).toBe(false);
    expect((await world.partner()).keyVaultSecretVersion).toBe(row.keyVaultSecretVersion);
  });

  it('checks access with the token in Key Vault, and sees a version written outside Lanyard', async () => {
    await changePartner(deps(), world.partnerSlug, { clientSecretExpires: new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10) }, 'cli:test');
    const report = await checkPartnerAccess({ ...deps(), clock: systemClock }, world.partnerSlug, 'cli:test');
    expect(report.checks.map((check) => [check.check, check.outcome])).toEqual([
      ['token-stored', 'ok'],
      ['storage-agrees', 'ok'],
      ['token-redeems', 'ok'],
      ['token-decodes', 'ok'],
      ['mfa', 'ok'],
      ['client-secret', 'ok'],
      ['partner-center', 'ok'],
    ]);
    expect(report).toMatchObject({ outcome: 'ok', tokenStorage: 'key-vault' });

    vault().set(secretName, { value: 'written-by-another-tool' }, Date.now());
    const drifted = await checkPartnerAccess({ ...deps(), clock: systemClock }, world.partnerSlug, 'cli:test');
    expect(drifted.outcome).toBe('warning');
    expect(drifted.checks.find((check) => check.check === 'storage-agrees')).toMatchObject({ outcome: 'warning', code: 'CSP_TOKEN_MISMATCH' });
    // Lanyard kept using its own version: the redemption still worked.
    expect(drifted.checks.find((check) => check.check === 'token-redeems')?.outcome).toBe('ok');
  });

  it('the renewal job renews a stale token in Key Vault', async () => {
    const before = await world.partner();
    const clock = createManualClock(new Date(new Date(before.refreshTokenLastUsedAt!).getTime() + 31 * 86_400_000));
    const job = tokenRenewalJob({ db: deps().db, secretBox: deps().secretBox, clock, renewalDays: 30, config: deps().config });
    const result = (await job.run(undefined, { id: 'j', attempt: 1, signal: new AbortController().signal })) as { renewed: string[] };
    expect(result.renewed).toEqual([world.partnerSlug]);
    const after = await world.partner();
    expect(after.keyVaultSecretVersion).not.toBe(before.keyVaultSecretVersion);
    expect(vault().get(secretName, before.keyVaultSecretVersion!)!.enabled).toBe(false);
  });

  it('moves the token back to the database and deletes the secret from the vault', async () => {
    const row = await world.partner();
    const current = vault().get(secretName, row.keyVaultSecretVersion!)!.value;
    const move = await useDatabase(deps(), world.partnerSlug, 'cli:test');
    expect(move).toMatchObject({ movedToken: true, leftBehind: null, partner: { tokenStorage: 'database', keyVaultSecretUrl: null } });
    expect(await databaseToken()).toBe(current);
    expect((await world.partner()).keyVaultClientSecretSealed).toBeNull();
    expect(vault().get(secretName)).toBeUndefined();
    expect(vault().isDeleted(secretName)).toBe(true);
    expect((await refreshPartnerToken(deps(), world.partnerSlug, 'cli:test')).state).toBe('valid');
    expect(await databaseToken()).not.toBe(current);
    // Again: nothing to move.
    expect(await useDatabase(deps(), world.partnerSlug, 'cli:test')).toMatchObject({ movedToken: false });
    // The deleted name is refused by the vault until purged: a clear code, the token stays here.
    const again = await codeOf(useKeyVault(deps(), world.partnerSlug, { secretUrl, ...vaultApp, clientSecret: vaultAppSecret }, 'cli:test'));
    expect(again).toMatchObject({ code: 'CSP_KEY_VAULT_REFUSED', details: { status: 409 } });
    expect((await findPartnerBySlug(deps().db, world.partnerSlug))!.tokenStorage).toBe('database');
  });
});
