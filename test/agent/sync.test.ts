import { Change, Attribute } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { immutableIdFromAnchor } from '../../agent/anchor.ts';
import { getAgentStatus } from '../../agent/server/admin.ts';
import { runSync } from '../../agent/sync.ts';
import { readAgentState } from '../../agent/state.ts';
import { dialects } from '../harness/databases.ts';
import { quietLogger, setupAgent, useAgentTestWorld } from './agent-fixture.ts';
import { createScenario, type Scenario } from './scenario.ts';

const sync = (scenario: Scenario) =>
  runSync({ config: scenario.agent.config, bindPassword: scenario.agent.secrets.bindPassword, api: scenario.agent.api, logger: quietLogger });

describe.each(dialects)('directory sync against slapd on %s', (dialect) => {
  const world = useAgentTestWorld(dialect);

  it('full sync creates directory accounts keyed by entryUUID, then the next run is a delta', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await scenario.addPeople(['alice', 'bob', 'carol']);

    const first = await sync(scenario);
    expect(first).toMatchObject({ outcome: 'success', mode: 'full', created: 3, updated: 0, disabled: 0, failed: [] });

    const users = await scenario.users();
    expect(users.map((user) => user.upn)).toEqual([`alice@${scenario.domain}`, `bob@${scenario.domain}`, `carol@${scenario.domain}`]);
    const aliceUuid = await scenario.entryUuid(scenario.dn('alice'));
    const alice = users[0]!;
    expect(alice).toMatchObject({ source: 'directory', externalId: aliceUuid, immutableId: immutableIdFromAnchor(aliceUuid), status: 'active', passwordHash: null, displayName: 'User alice', surname: 'alice', givenName: 'User' });

    const second = await sync(scenario);
    expect(second).toMatchObject({ outcome: 'success', mode: 'delta', created: 0, disabled: 0 });
    expect(readAgentState(scenario.agent.config.stateDir)?.checkpoint?.tracking).toBe('modifyTimestamp');
  });

  it('delta applies add, modify, rename, move within scope, and disables entries deleted or moved out', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { subOus: ['a', 'b'] });
    await scenario.addPeople(['dana', 'erin', 'finn'], { under: 'a' });
    await scenario.addPeople(['gus', 'hana']);
    await world.slapd.withAdmin((client) => client.add(`ou=elsewhere-${scenario.name},${world.slapd.suffix}`, { objectClass: 'organizationalUnit', ou: `elsewhere-${scenario.name}` }));
    expect(await sync(scenario)).toMatchObject({ mode: 'full', created: 5 });
    const before = new Map((await scenario.users()).map((user) => [user.externalId, user]));

    const finnUuid = await scenario.entryUuid(scenario.dn('finn', 'a'));
    const erinUuid = await scenario.entryUuid(scenario.dn('erin', 'a'));
    await scenario.addPeople(['ivan']);
    await scenario.ldap(async (client) => {
      await client.modify(scenario.dn('dana', 'a'), new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Dana Renamed'] }) }));
      // Rename: new RDN and new mail (so a new UPN); the account must stay the same.
      await client.modifyDN(scenario.dn('erin', 'a'), `uid=erin2,ou=a,${scenario.ou}`);
      await client.modify(`uid=erin2,ou=a,${scenario.ou}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: [`erin2@${scenario.domain}`] }) }));
      await client.modifyDN(scenario.dn('finn', 'a'), `uid=finn,ou=b,${scenario.ou}`);
      await client.del(scenario.dn('gus'));
      await client.modifyDN(scenario.dn('hana'), `uid=hana,ou=elsewhere-${scenario.name},${world.slapd.suffix}`);
    });

    const delta = await sync(scenario);
    expect(delta).toMatchObject({ outcome: 'success', mode: 'delta', created: 1, disabled: 2, failed: [] });
    const after = await scenario.users();
    const byUpn = new Map(after.map((user) => [user.upn.split('@')[0], user]));
    expect(byUpn.get('ivan')?.status).toBe('active');
    expect(byUpn.get('dana')?.displayName).toBe('Dana Renamed');
    expect(byUpn.get('erin')).toBeUndefined();
    expect(byUpn.get('erin2')?.id).toBe(before.get(erinUuid)!.id);
    expect(byUpn.get('finn')).toMatchObject({ id: before.get(finnUuid)!.id, status: 'active' });
    expect(byUpn.get('gus')?.status).toBe('disabled');
    expect(byUpn.get('hana')?.status).toBe('disabled');

    // Moving back into scope re-activates the same account.
    await scenario.ldap((client) => client.modifyDN(`uid=hana,ou=elsewhere-${scenario.name},${world.slapd.suffix}`, scenario.dn('hana')));
    expect(await sync(scenario)).toMatchObject({ mode: 'delta', disabled: 0 });
    expect((await scenario.user('hana'))?.status).toBe('active');
  });

  it('maps a country attribute to the account\'s usage location, in full and delta runs', async () => {
    // AD keeps the country code in `c`; inetOrgPerson has none, so this directory uses `l` for it.
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { agent: { mapping: { usageLocation: 'l' } } });
    await scenario.addPeople(['kai', 'lou']);
    const setCountry = (uid: string, value: string) => scenario.ldap((client) =>
      client.modify(scenario.dn(uid), new Change({ operation: 'replace', modification: new Attribute({ type: 'l', values: [value] }) })));
    await setCountry('kai', 'de');
    await setCountry('lou', 'Lisbon');
    expect(await sync(scenario)).toMatchObject({ mode: 'full', created: 2 });
    expect((await scenario.user('kai'))?.usageLocation).toBe('DE');
    expect((await scenario.user('lou'))?.usageLocation).toBeNull();
    await setCountry('kai', 'fr');
    expect(await sync(scenario)).toMatchObject({ mode: 'delta', updated: 1 });
    expect((await scenario.user('kai'))?.usageLocation).toBe('FR');
  });

  it('keeps excluded OUs out of scope', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { subOus: ['staff', 'service'] });
    await scenario.addPeople(['kim'], { under: 'staff' });
    await scenario.addPeople(['robot'], { under: 'service' });
    // The exclusion is written with other case and spacing than the server's DNs, as admins do.
    const scoped = await setupAgent(world.database.db, scenario.organization, world.node, world.slapd, { name: 'scoped', ldap: { baseDns: [scenario.ou], excludeDns: [`OU=Service, ${scenario.ou}`] } });
    expect(await runSync({ config: scoped.config, bindPassword: scoped.secrets.bindPassword, api: scoped.api, logger: quietLogger })).toMatchObject({ created: 1 });
    expect((await scenario.users()).map((user) => user.upn)).toEqual([`kim@${scenario.domain}`]);
  });

  it('reads each entry once when base DNs overlap, in either order', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { subOus: ['inner'] });
    await scenario.addPeople(['in1', 'in2'], { under: 'inner' });
    await scenario.addPeople(['out1']);
    const inner = `ou=inner,${scenario.ou}`;
    for (const [name, baseDns] of [['inner-first', [inner, scenario.ou]], ['outer-first', [scenario.ou.toUpperCase(), inner]]] as const) {
      const agent = await setupAgent(world.database.db, scenario.organization, world.node, world.slapd, { name, ldap: { baseDns } });
      const report = await runSync({ config: agent.config, bindPassword: agent.secrets.bindPassword, api: agent.api, logger: quietLogger });
      expect(report.created + report.unchanged + report.updated).toBe(3);
      expect(report.failed).toEqual([]);
    }
    expect((await scenario.users()).map((user) => user.upn.split('@')[0])).toEqual(['in1', 'in2', 'out1']);
  });

  it('reports entries it cannot apply and applies the rest of the batch', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await scenario.addPeople(['ok1', 'ok2']);
    await scenario.ldap(async (client) => {
      await client.add(`uid=outsider,${scenario.ou}`, { objectClass: 'inetOrgPerson', uid: 'outsider', cn: 'Outsider', sn: 'x', mail: 'outsider@fabrikam.test' });
      await client.add(`uid=nomail,${scenario.ou}`, { objectClass: 'inetOrgPerson', uid: 'nomail', cn: 'No Mail', sn: 'x' });
    });
    const now = new Date().toISOString();
    await world.database.db.insertInto('users').values({
      id: `local-${scenario.name}`, organizationId: scenario.organization.id, upn: `taken@${scenario.domain}`, immutableId: `local-${scenario.name}`,
      displayName: null, givenName: null, surname: null, mail: null, source: 'local', externalId: null, status: 'active', passwordHash: null,
      microsoftObjectId: null, createdAt: now, updatedAt: now,
    }).execute();
    await scenario.addPeople(['taken']);

    const report = await sync(scenario);
    expect(report).toMatchObject({ outcome: 'success', created: 2 });
    expect(report.failed.map((failure) => failure.code).sort()).toEqual(['SYNC_UPN_CONFLICT', 'SYNC_UPN_DOMAIN', 'SYNC_UPN_MISSING']);
    const local = await scenario.user('taken');
    expect(local).toMatchObject({ source: 'local', externalId: null });

    const status = await getAgentStatus(world.database.db, scenario.organization.slug);
    expect(status.lastSync).toMatchObject({ outcome: 'success', mode: 'full', counts: { created: 2, failed: 3 } });
    expect(status.lastSync!.errors.map((error) => error.code).sort()).toEqual(['SYNC_UPN_CONFLICT', 'SYNC_UPN_DOMAIN', 'SYNC_UPN_MISSING']);
  });
  it('a change to an entry already read, made while later pages are read, reaches the next delta', async () => {
    // One entry per page, and the directory changes between pages: the first entry is modified
    // after it was read, the others a second later, before they are read. Their later timestamps
    // must not move the mark past the first entry's change (the mark is capped by contextCSN).
    const scenario = await createScenario(world.database.db, world.node, world.slapd, { agent: { ldap: { pageSize: 1 } } });
    await scenario.addPeople(['ann', 'bo', 'cy']);
    const rename = (dn: string, cn: string) => scenario.ldap((client) => client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: [cn] }) })));
    let interfered = false;
    const api = {
      ...scenario.agent.api,
      async pushBatch(runId: string, batch: Parameters<typeof scenario.agent.api.pushBatch>[1]) {
        const result = await scenario.agent.api.pushBatch(runId, batch);
        const first = batch.entries[0];
        if (!interfered && first) {
          interfered = true;
          await rename(first.dn, 'Changed while syncing');
          await new Promise((resolve) => setTimeout(resolve, 1100));
          for (const uid of ['ann', 'bo', 'cy']) if (scenario.dn(uid) !== first.dn) await rename(scenario.dn(uid), `Later ${uid}`);
        }
        return result;
      },
    };
    const run = () => runSync({ config: scenario.agent.config, bindPassword: scenario.agent.secrets.bindPassword, api, logger: quietLogger });
    expect(await run()).toMatchObject({ mode: 'full', created: 3 });
    expect(interfered).toBe(true);
    expect(await run()).toMatchObject({ mode: 'delta' });
    const names = (await scenario.users()).map((user) => user.displayName).sort();
    expect(names).toContain('Changed while syncing');
    expect(names.filter((name) => name?.startsWith('Later '))).toHaveLength(2);
  }, 30_000);
});
