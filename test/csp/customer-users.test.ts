import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { isLanyardError } from '../../core/errors.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { addCustomerUser, changeCustomerLicence, changeCustomerUser, listCustomerLicences, listCustomerTenantUsers, removeCustomerUser } from '../../csp/users/user-admin.ts';
import { runCli } from '../harness/cli.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';
import { customerTenant, e3SkuId } from './customer-tenants.ts';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (isLanyardError(error)) return { code: error.code, message: error.message, details: (error.details ?? {}) as Record<string, unknown> };
    throw error;
  }
  throw new Error('expected a refusal');
}

/**
 * A customer tenant's users and licences through Graph with the partner's delegated access, against
 * the emulator: add with a licence (password shown once), list, change, licences with seat counts,
 * "no seats left" naming the SKU and numbers, UPN domains limited to verified ones, remove.
 */
describe('CSP customer users and licences', () => {
  let world: CspWorld;
  let fabrikam: Tenant;
  const deps = () => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: systemClock });

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    fabrikam = customerTenant(world, 'fabrikamusr', { users: [{ userPrincipalName: 'cleo@fabrikamusr.example', displayName: 'Cleo', usageLocation: 'DE' }] });
    await importCustomers({ ...deps(), config: world.lanyard.context.config }, world.partnerSlug, { dryRun: false }, 'test');
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('adds a user with a licence; the generated password is returned once (the emulator holds it; no audit event has it)', async () => {
    const report = await addCustomerUser(deps(), 'fabrikamusr.onmicrosoft.com', { upn: 'Ada@fabrikamusr.example', displayName: 'Ada Lovelace', licences: ['enterprisepack'], usageLocation: 'DE' }, 'test');
    expect(report.user).toMatchObject({ userPrincipalName: 'ada@fabrikamusr.example', displayName: 'Ada Lovelace', licences: [{ skuId: e3SkuId, skuPartNumber: 'ENTERPRISEPACK' }] });
    expect(report.password).toMatch(/^.{16}$/);
    const stored = fabrikam.users.byPrincipalName('ada@fabrikamusr.example')!;
    expect(fabrikam.passwords.get(stored.id)).toBe(report.password);
    expect(stored.assignedLicenses.map((licence) => licence.skuId)).toEqual([e3SkuId]);
    const events = await listAuditEvents(world.lanyard.context.db, { actionPrefix: 'csp.user.' });
    expect(JSON.stringify(events)).not.toContain(report.password);
  });

  it('a UPN outside the verified domains is refused, naming them, and nothing is created', async () => {
    const before = fabrikam.users.size;
    const refused = await refusal(addCustomerUser(deps(), 'fabrikamusr.onmicrosoft.com', { upn: 'bob@fabrikamusr-new.example', displayName: 'Bob' }, 'test'));
    expect(refused.code).toBe('CSP_UPN_DOMAIN_NOT_VERIFIED');
    expect(refused.message).toContain('fabrikamusr.example, fabrikamusr.onmicrosoft.com');
    expect(refused.details.verifiedDomains).toEqual(['fabrikamusr.example', 'fabrikamusr.onmicrosoft.com']);
    expect(fabrikam.users.size).toBe(before);
    expect((await refusal(addCustomerUser(deps(), 'fabrikamusr.onmicrosoft.com', { upn: 'no spaces@fabrikamusr.example', displayName: 'Bob' }, 'test'))).code).toBe('CSP_USER_INPUT_INVALID');
  });

  it('lists licences with total, consumed and available seats', async () => {
    const { licences } = await listCustomerLicences(deps(), 'fabrikamusr.onmicrosoft.com');
    expect(licences).toEqual([{ skuId: e3SkuId, skuPartNumber: 'ENTERPRISEPACK', total: 2, consumed: 1, available: 1, capabilityStatus: 'Enabled' }]);
  });

  it('assigns the last seat, then "no seats left" names the SKU and the numbers (user add leaves no user behind)', async () => {
    const assigned = await changeCustomerLicence(deps(), 'fabrikamusr.onmicrosoft.com', 'cleo@fabrikamusr.example', 'ENTERPRISEPACK', 'assign', 'test');
    expect(assigned.sku).toMatchObject({ consumed: 2, available: 0 });
    const before = fabrikam.users.size;
    const refused = await refusal(addCustomerUser(deps(), 'fabrikamusr.onmicrosoft.com', { upn: 'dan@fabrikamusr.example', displayName: 'Dan', licences: [e3SkuId] }, 'test'));
    expect(refused.code).toBe('CSP_NO_SEATS_LEFT');
    expect(refused.message).toContain('ENTERPRISEPACK');
    expect(refused.message).toContain('2 of 2 assigned, 0 available');
    expect(refused.details).toMatchObject({ skuPartNumber: 'ENTERPRISEPACK', total: 2, consumed: 2, available: 0 });
    expect(fabrikam.users.size).toBe(before);
  });

  it('an unknown SKU is CSP_SKU_NOT_SUBSCRIBED listing the subscribed ones', async () => {
    await changeCustomerLicence(deps(), 'fabrikamusr.onmicrosoft.com', 'cleo@fabrikamusr.example', e3SkuId, 'remove', 'test');
    const refused = await refusal(changeCustomerLicence(deps(), 'fabrikamusr.onmicrosoft.com', 'cleo@fabrikamusr.example', 'SPE_E5', 'assign', 'test'));
    expect(refused.code).toBe('CSP_SKU_NOT_SUBSCRIBED');
    expect(refused.message).toContain(`ENTERPRISEPACK (${e3SkuId})`);
  });

  it('changes a user (name, UPN on a verified domain, sign-in) and lists users', async () => {
    const changed = await changeCustomerUser(deps(), 'fabrikamusr.onmicrosoft.com', 'cleo@fabrikamusr.example', { displayName: 'Cleo Patra', newUpn: 'cleo.p@fabrikamusr.example', accountEnabled: false }, 'test');
    expect(changed.changed).toEqual(['displayName', 'userPrincipalName', 'accountEnabled']);
    expect(changed.user).toMatchObject({ userPrincipalName: 'cleo.p@fabrikamusr.example', displayName: 'Cleo Patra', accountEnabled: false });
    expect((await refusal(changeCustomerUser(deps(), 'fabrikamusr.onmicrosoft.com', 'cleo.p@fabrikamusr.example', { newUpn: 'cleo@elsewhere.example' }, 'test'))).code).toBe('CSP_UPN_DOMAIN_NOT_VERIFIED');
    const { users } = await listCustomerTenantUsers(deps(), 'fabrikamusr.onmicrosoft.com');
    expect(users.map((user) => user.userPrincipalName)).toEqual(['ada@fabrikamusr.example', 'admin@fabrikamusr.onmicrosoft.com', 'cleo.p@fabrikamusr.example']);
  });

  it('removes a user; an unknown one is CSP_USER_NOT_FOUND', async () => {
    const removed = await removeCustomerUser(deps(), 'fabrikamusr.onmicrosoft.com', 'cleo.p@fabrikamusr.example', 'test');
    expect(removed.removed).toBe('cleo.p@fabrikamusr.example');
    expect(fabrikam.users.byPrincipalName('cleo.p@fabrikamusr.example')).toBeUndefined();
    expect((await refusal(removeCustomerUser(deps(), 'fabrikamusr.onmicrosoft.com', 'cleo.p@fabrikamusr.example', 'test'))).code).toBe('CSP_USER_NOT_FOUND');
  });

  it('as CLI processes: user add prints the password once, licence list prints seats, a usage error exits 2', async () => {
    const env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
    const added = await runCli(['csp', 'user', 'add', 'fabrikamusr.onmicrosoft.com', 'grace@fabrikamusr.example', '--name', 'Grace Hopper', '--json'], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json().password).toMatch(/^.{16}$/);
    const listed = await runCli(['csp', 'licence', 'list', 'fabrikamusr.onmicrosoft.com'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/ENTERPRISEPACK\s+6fd2c87f-b296-42f0-b197-1e91e994b900\s+2\s+1\s+1\s+Enabled/);
    const usage = await runCli(['csp', 'user', 'add', 'fabrikamusr.onmicrosoft.com', 'x@fabrikamusr.example'], env);
    expect(usage.code).toBe(2);
  });
});
