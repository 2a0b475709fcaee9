import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByUpn, updateUser } from '../../core/db/users.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { addUser } from '../../idp/accounts/users.ts';
import { requireOrganization } from '../../idp/accounts/organizations.ts';
import { setDefaultLicences } from '../../provisioning/licences/licences.ts';
import { runProvisioning, setAutoProvisioning, setDefaultUsageLocation, setProvisioningThreshold, showRun } from '../../provisioning/runs/run-admin.ts';
import { executeRun, requestRun } from '../../provisioning/runs/run-service.ts';
import { provisioningWorkerJobWith } from '../../provisioning/runs/worker.ts';
import { createJobRunner } from '../../core/jobs/job-runner.ts';
import { createLogger } from '../../core/logger.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { addAccounts, connectOrganization, e3, e5, tenantUsersOf, type ConnectedOrganization } from './provisioning-fixture.ts';

/**
 * Export to the tenant: create missing accounts (immutable ID, names, usage location, an unknown
 * password), update what changed, add default licences with seat counting, turn off disabled
 * accounts, skip accounts outside the organization's domains; dry run, deletion guard, one run per
 * organization, and auto-provisioning by the background worker.
 */
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startTrustedEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const exportRun = (org: ConnectedOrganization, options: { dryRun?: boolean; confirm?: boolean } = {}) =>
  runProvisioning(org.deps, { organization: org.slug, kind: 'export', dryRun: options.dryRun ?? false, confirm: options.confirm ?? false, requestedBy: 'test', trigger: 'cli' });

const resultsOf = async (org: ConnectedOrganization, runId: string) =>
  new Map((await showRun(org.deps.db, runId, { limit: 10_000 })).results.map((result) => [result.upn, result]));

describe.each(dialects)('export on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.drop();
  });

  async function licensedOrganization(users?: NonNullable<Parameters<typeof connectOrganization>[2]>['users']) {
    const org = await connectOrganization(emulator, database.db, {
      skus: [
        { skuId: e3, skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: 2 },
        { skuId: e5, skuPartNumber: 'ENTERPRISEPREMIUM', prepaidUnits: 100 },
      ],
      ...(users ? { users } : {}),
    });
    const organization = await requireOrganization(database.db, org.slug);
    await setDefaultLicences(database.db, (await org.deps.openGraph(org.organizationId)).client, organization, ['enterprisepack'], 'test');
    await setDefaultUsageLocation(database.db, org.slug, 'gb', 'test');
    return org;
  }

  it('creates, updates, licenses, disables and skips, and a second run changes nothing', async () => {
    const org = await licensedOrganization(({ managed }) => [
      { userPrincipalName: `upd@${managed}`, onPremisesImmutableId: `upd-${randomUUID()}`, displayName: 'Old Name', usageLocation: 'GB' },
      { userPrincipalName: `gone@${managed}`, onPremisesImmutableId: `gone-${randomUUID()}`, accountEnabled: true },
    ]);
    const tenantAnchor = (name: string) => tenantUsersOf(org.tenant, org.managed).find((user) => user.userPrincipalName.startsWith(`${name}@`))!.onPremisesImmutableId!;
    const options = { actor: 'test', passwordHashCost: 10 };
    const [first, second] = await addAccounts(database.db, org.managed, ['new1', 'new2', 'new3']);
    await updateUser(database.db, first!.id, { givenName: 'New', surname: 'One' });
    // An account's own usage location wins over the organization's default (GB).
    await updateUser(database.db, second!.id, { usageLocation: 'DE' });
    await addAccounts(database.db, org.federated, ['fed1']);
    await addUser(database.db, { upn: `upd@${org.managed}`, displayName: 'New Name', immutableId: tenantAnchor('upd'), usageLocation: 'fr' }, options);
    const gone = await addUser(database.db, { upn: `gone@${org.managed}`, immutableId: tenantAnchor('gone') }, options);
    await updateUser(database.db, gone.id, { status: 'disabled' });
    await addUser(database.db, { upn: `deep@sub.${org.managed}` }, options);
    const pending = await addUser(database.db, { upn: `later@${org.managed}` }, options);
    await updateUser(database.db, pending.id, { status: 'pending' });
    await database.db.insertInto('users').values({ ...pending, id: randomUUID(), upn: `stray@elsewhere-${org.slug}.test`, immutableId: randomUUID(), status: 'active' }).execute();

    const { run } = await exportRun(org);
    expect(run.status).toBe('completed');
    const results = await resultsOf(org, run.id);
    const inTenant = (upn: string) => [...org.tenant.users.values()].find((user) => user.userPrincipalName === upn);

    const created = inTenant(`new1@${org.managed}`)!;
    expect(created).toMatchObject({ onPremisesImmutableId: first!.immutableId, displayName: 'new1 Person', givenName: 'New', surname: 'One', usageLocation: 'GB', accountEnabled: true });
    expect(created.assignedLicenses).toEqual([{ skuId: e3, disabledPlans: [] }]);
    expect(org.tenant.passwords.get(created.id)).toMatch(/^.{30,}$/);
    expect(results.get(`new1@${org.managed}`)).toMatchObject({ outcome: 'created', microsoftObjectId: created.id, details: { licencesAdded: ['ENTERPRISEPACK'] } });
    expect((await findUserByUpn(database.db, `new1@${org.managed}`))?.microsoftObjectId).toBe(created.id);
    expect(JSON.stringify([...results.values()])).not.toMatch(/password/i);

    // Two E3 seats, taken in UPN order: fed1 and new1; new2, new3 and upd are reported.
    const licensed = [...results.values()].filter((result) => (result.details as { licencesAdded?: string[] } | null)?.licencesAdded);
    expect(licensed).toHaveLength(2);
    const noSeat = [...results.values()].filter((result) => result.reason === 'LICENCE_NO_FREE_SEATS');
    expect(noSeat.length).toBeGreaterThan(0);
    expect(noSeat.every((result) => result.outcome === 'failed' && result.microsoftObjectId)).toBe(true);

    expect(inTenant(`fed1@${org.federated}`)?.onPremisesImmutableId).toBeTruthy();
    expect(inTenant(`upd@${org.managed}`)).toMatchObject({ displayName: 'New Name', usageLocation: 'FR' });
    expect(inTenant(`new2@${org.managed}`)?.usageLocation).toBe('DE');
    expect(inTenant(`gone@${org.managed}`)?.accountEnabled).toBe(false);
    expect(results.get(`gone@${org.managed}`)?.outcome).toBe('disabled');
    expect(results.get(`deep@sub.${org.managed}`)).toMatchObject({ outcome: 'skipped', reason: 'DOMAIN_NOT_IN_TENANT' });
    expect(results.get(`later@${org.managed}`)).toMatchObject({ outcome: 'skipped', reason: 'ACCOUNT_PENDING' });
    expect(results.get(`stray@elsewhere-${org.slug}.test`)).toMatchObject({ outcome: 'skipped', reason: 'OUTSIDE_ORG_DOMAINS' });

    const tenantCount = org.tenant.users.size;
    const { run: again } = await exportRun(org);
    const secondRun = await resultsOf(org, again.id);
    expect(org.tenant.users.size).toBe(tenantCount);
    expect(secondRun.get(`new1@${org.managed}`)?.outcome).toBe('unchanged');
    // Still no E3 seat for upd: reported again, nothing else to change.
    expect(secondRun.get(`upd@${org.managed}`)).toMatchObject({ outcome: 'failed', reason: 'LICENCE_NO_FREE_SEATS', details: null });
    expect([...secondRun.values()].filter((result) => result.outcome === 'created')).toHaveLength(0);
  });

  it('a dry run shows creates, updates and licences without writing; the guard stops mass disabling', async () => {
    const org = await licensedOrganization();
    const [account] = await addAccounts(database.db, org.managed, ['planned']);
    const before = org.tenant.users.size;
    const { run } = await exportRun(org, { dryRun: true });
    expect(run).toMatchObject({ status: 'completed', dryRun: 1 });
    expect((await resultsOf(org, run.id)).get(account!.upn)).toMatchObject({
      outcome: 'created',
      details: { changes: { userPrincipalName: account!.upn, onPremisesImmutableId: account!.immutableId, usageLocation: 'GB' }, licencesAdded: ['ENTERPRISEPACK'] },
    });
    expect(org.tenant.users.size).toBe(before);

    await exportRun(org);
    await updateUser(database.db, account!.id, { status: 'disabled' });
    await setProvisioningThreshold(database.db, org.slug, 0, 'test');
    const { run: stopped } = await exportRun(org);
    expect(stopped).toMatchObject({ status: 'stopped', errorCode: 'PROVISIONING_THRESHOLD_EXCEEDED' });
    expect(tenantUsersOf(org.tenant, org.managed)[0]?.accountEnabled).toBe(true);
    const { run: confirmed } = await exportRun(org, { confirm: true });
    expect(confirmed.status).toBe('completed');
    expect(tenantUsersOf(org.tenant, org.managed)[0]?.accountEnabled).toBe(false);
  });

  it('runs one import or export per organization at a time and names the running one', async () => {
    const org = await licensedOrganization();
    const organization = await requireOrganization(database.db, org.slug);
    const request = { organization, kind: 'export' as const, dryRun: false, confirm: false, trigger: 'cli' as const, requestedBy: 'test' };
    const results = await Promise.allSettled([requestRun(org.deps, request), requestRun(org.deps, { ...request, kind: 'import' })]);
    const started = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result) => result.status === 'rejected');
    expect(started).toHaveLength(1);
    const runId = (started[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof requestRun>>>).value.run.id;
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'RUN_IN_PROGRESS', details: { runId } });
    expect((await executeRun(org.deps, runId)).status).toBe('completed');
    expect((await exportRun(org)).run.status).toBe('completed');
  });

  it('auto-provisioning exports new and changed accounts on its next run, without a manual run', async () => {
    const org = await licensedOrganization();
    await setAutoProvisioning(database.db, org.slug, true, 'test');
    const clock = createManualClock(new Date());
    const worker = createJobRunner({ db: database.db, dialect, logger: createLogger('error'), clock, definitions: [provisioningWorkerJobWith(org.deps, 2)] });
    await worker.start();
    await worker.stop();
    // From here the test moves time itself: each poll interval the job runs once and exports what changed.
    const [account] = await addAccounts(database.db, org.managed, ['auto1']);
    await clock.advance(2000);
    expect(await worker.runDue()).toBe(1);
    expect(tenantUsersOf(org.tenant, org.managed).map((user) => user.userPrincipalName)).toContain(account!.upn);
    await updateUser(database.db, account!.id, { displayName: 'Renamed Auto' });
    await clock.advance(2000);
    expect(await worker.runDue()).toBe(1);
    expect(tenantUsersOf(org.tenant, org.managed)[0]?.displayName).toBe('Renamed Auto');
    const runs = await database.db.selectFrom('provisioningRuns').selectAll().where('organizationId', '=', org.organizationId).execute();
    expect(runs.every((run) => run.trigger === 'auto' && run.status === 'completed')).toBe(true);
  });
});
