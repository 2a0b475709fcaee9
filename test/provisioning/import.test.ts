import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByUpn } from '../../core/db/users.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { addUser } from '../../idp/accounts/users.ts';
import { runProvisioning, setProvisioningThreshold, showRun } from '../../provisioning/runs/run-admin.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { connectOrganization, type ConnectedOrganization } from './provisioning-fixture.ts';

/**
 * Import from the tenant: match by immutable ID, then UPN (never a second account for a person),
 * create pending accounts, write generated immutable IDs back to managed domains, report the
 * federated-domain workaround, skip users outside the organization's domains; a second run changes
 * nothing; a dry run writes nothing; vanished users are disabled behind the deletion guard.
 */
let emulator: RunningEmulator;
let anchors = 0;
beforeAll(async () => {
  emulator = await startTrustedEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const importRun = (org: ConnectedOrganization, options: { dryRun?: boolean; confirm?: boolean } = {}) =>
  runProvisioning(org.deps, { organization: org.slug, kind: 'import', dryRun: options.dryRun ?? false, confirm: options.confirm ?? false, requestedBy: 'test', trigger: 'cli' });

const byUpn = async (org: ConnectedOrganization, runId: string) =>
  new Map((await showRun(org.deps.db, runId, { limit: 10_000 })).results.map((result) => [result.upn, result]));

describe.each(dialects)('import on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database.drop();
  });

  async function scenario() {
    const anchor = (name: string) => `${name}Anchor${++anchors}`;
    const [aliceAnchor, daveAnchor, frankTenant, frankLanyard] = [anchor('alice'), anchor('dave'), anchor('frankT'), anchor('frankL')];
    const org = await connectOrganization(emulator, database.db, {
      users: ({ managed, federated }) => [
        { userPrincipalName: `alice@${managed}`, onPremisesImmutableId: aliceAnchor, displayName: 'Alice Tenant' },
        { userPrincipalName: `bob@${managed}`, displayName: 'Bob' },
        { userPrincipalName: `carol@${managed}`, displayName: 'Carol', givenName: 'Carol', surname: 'Jones', usageLocation: 'NL' },
        { userPrincipalName: `dave@${federated}`, onPremisesImmutableId: daveAnchor },
        { userPrincipalName: `erin@${federated}` },
        { userPrincipalName: `frank@${managed}`, onPremisesImmutableId: frankTenant },
      ],
    });
    const options = { actor: 'test', passwordHashCost: 10 };
    const alice = await addUser(database.db, { upn: `alice.renamed@${org.managed}`, immutableId: aliceAnchor }, options);
    const bob = await addUser(database.db, { upn: `bob@${org.managed}` }, options);
    await addUser(database.db, { upn: `frank@${org.managed}`, immutableId: frankLanyard }, options);
    return { org, alice, bob, daveAnchor };
  }

  it('matches, creates pending accounts, writes immutable IDs back and reports per account', async () => {
    const { org, alice, bob, daveAnchor } = await scenario();
    const { run } = await importRun(org);
    expect(run.status).toBe('completed');
    const results = await byUpn(org, run.id);
    const tenantUser = (upn: string) => [...org.tenant.users.values()].find((user) => user.userPrincipalName === upn)!;

    // alice is Lanyard's own (local) account: it keeps its name, and the report says how the tenant calls it.
    expect(results.get(`alice@${org.managed}`)).toMatchObject({ outcome: 'matched', details: { immutableId: alice.immutableId, lanyardUpn: alice.upn } });
    expect(results.get(`alice@${org.managed}`)?.message).toContain('keeps that name');
    expect((await findUserByUpn(database.db, alice.upn))?.microsoftObjectId).toBe(tenantUser(`alice@${org.managed}`).id);

    expect(results.get(`bob@${org.managed}`)).toMatchObject({ outcome: 'matched', details: { immutableIdWritten: true } });
    expect(tenantUser(`bob@${org.managed}`).onPremisesImmutableId).toBe(bob.immutableId);

    const carol = await findUserByUpn(database.db, `carol@${org.managed}`);
    expect(results.get(`carol@${org.managed}`)?.outcome).toBe('created');
    expect(carol).toMatchObject({ status: 'pending', source: 'imported', givenName: 'Carol', surname: 'Jones', usageLocation: 'NL', passwordHash: null });
    expect(tenantUser(`carol@${org.managed}`).onPremisesImmutableId).toBe(carol!.immutableId);

    expect(await findUserByUpn(database.db, `dave@${org.federated}`)).toMatchObject({ status: 'pending', immutableId: daveAnchor });

    const erin = results.get(`erin@${org.federated}`);
    expect(erin).toMatchObject({ outcome: 'failed', reason: 'IMMUTABLE_ID_FEDERATED_DOMAIN' });
    expect(erin?.message).toMatch(/onmicrosoft\.com.*change the UPN back/);
    expect(await findUserByUpn(database.db, `erin@${org.federated}`)).toBeUndefined();

    expect(results.get(`frank@${org.managed}`)).toMatchObject({ outcome: 'failed', reason: 'IMMUTABLE_ID_CONFLICT' });
    expect(results.get(`admin@${org.slug}.onmicrosoft.com`)).toBeUndefined();
    expect([...results.values()].filter((result) => result.outcome === 'skipped').every((result) => result.reason === 'OUTSIDE_ORG_DOMAINS')).toBe(true);

    const { run: again } = await importRun(org);
    const second = await byUpn(org, again.id);
    expect(second.get(`carol@${org.managed}`)?.outcome).toBe('matched');
    expect(second.get(`dave@${org.federated}`)?.outcome).toBe('matched');
    const accounts = await database.db.selectFrom('users').select('upn').where('organizationId', '=', org.organizationId).execute();
    expect(accounts.map((account) => account.upn).sort()).toEqual(
      [`alice.renamed@${org.managed}`, `bob@${org.managed}`, `carol@${org.managed}`, `dave@${org.federated}`, `frank@${org.managed}`].sort(),
    );
  });

  it('follows the tenant when it renames an imported account, unless another account has the new name', async () => {
    const { org } = await scenario();
    await importRun(org);
    const carol = (await findUserByUpn(database.db, `carol@${org.managed}`))!;
    const rename = (from: string, to: string) => {
      const user = [...org.tenant.users.values()].find((candidate) => candidate.userPrincipalName === from)!;
      const before = { userPrincipalName: user.userPrincipalName, onPremisesImmutableId: user.onPremisesImmutableId };
      user.userPrincipalName = to;
      org.tenant.users.reindex(user, before);
    };
    rename(`carol@${org.managed}`, `carol.jones@${org.managed}`);
    const { run } = await importRun(org);
    expect((await byUpn(org, run.id)).get(`carol.jones@${org.managed}`)).toMatchObject({ outcome: 'updated', details: { previousUpn: carol.upn } });
    expect(await findUserByUpn(database.db, `carol.jones@${org.managed}`)).toMatchObject({ id: carol.id, immutableId: carol.immutableId, mail: `carol.jones@${org.managed}`, status: 'pending' });
    expect(await findUserByUpn(database.db, `carol@${org.managed}`)).toBeUndefined();

    // The new name is taken in Lanyard (bob's): nothing is renamed, and the report says why.
    rename(`carol.jones@${org.managed}`, `bob.b@${org.managed}`);
    await addUser(database.db, { upn: `bob.b@${org.managed}` }, { actor: 'test', passwordHashCost: 10 });
    const { run: taken } = await importRun(org);
    expect((await byUpn(org, taken.id)).get(`bob.b@${org.managed}`)).toMatchObject({ outcome: 'failed', reason: 'UPN_TAKEN' });
    expect((await findUserByUpn(database.db, `carol.jones@${org.managed}`))?.id).toBe(carol.id);
  });

  it('a dry run writes neither accounts nor immutable IDs', async () => {
    const { org } = await scenario();
    const { run } = await importRun(org, { dryRun: true });
    expect(run).toMatchObject({ status: 'completed', dryRun: 1 });
    const plan = await byUpn(org, run.id);
    expect(plan.get(`carol@${org.managed}`)?.outcome).toBe('created');
    expect(await findUserByUpn(database.db, `carol@${org.managed}`)).toBeUndefined();
    expect([...org.tenant.users.values()].find((user) => user.userPrincipalName === `bob@${org.managed}`)?.onPremisesImmutableId).toBeNull();
  });

  it('disables imported accounts whose tenant user is gone, only with --confirm past the threshold', async () => {
    const { org } = await scenario();
    await importRun(org);
    for (const user of [...org.tenant.users.values()]) if (/^(carol|dave)@/.test(user.userPrincipalName)) org.tenant.users.delete(user.id);
    await setProvisioningThreshold(database.db, org.slug, 1, 'test');
    const { run: stopped } = await importRun(org);
    expect(stopped).toMatchObject({ status: 'stopped', errorCode: 'PROVISIONING_THRESHOLD_EXCEEDED' });
    expect((await findUserByUpn(database.db, `carol@${org.managed}`))?.status).toBe('pending');
    const { run } = await importRun(org, { confirm: true });
    expect(run.status).toBe('completed');
    expect((await byUpn(org, run.id)).get(`carol@${org.managed}`)).toMatchObject({ outcome: 'disabled', reason: 'TENANT_USER_GONE' });
    expect((await findUserByUpn(database.db, `dave@${org.federated}`))?.status).toBe('disabled');
  });
});
