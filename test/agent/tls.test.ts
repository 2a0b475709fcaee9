import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPasswordByBind } from '../../agent/ldap/connection.ts';
import { runSync } from '../../agent/sync.ts';
import { createTestDatabase, type TestDatabase } from '../harness/databases.ts';
import { startSlapd, type SlapdServer } from '../harness/slapd.ts';
import { quietLogger, removeAgentDirs, startLanyardNode, type LanyardNode } from './agent-fixture.ts';
import { createScenario } from './scenario.ts';

/**
 * The agent over StartTLS and over ldaps:// to a slapd with a private CA: with `caFile` the sync
 * and the pass-through bind run over TLS; without the CA the agent refuses the unknown certificate
 * (LDAP_TLS_FAILED) instead of sending the bind password in the clear or to an impostor.
 */
describe('agent over TLS (StartTLS and ldaps://)', () => {
  let database: TestDatabase;
  let slapd: SlapdServer;
  let node: LanyardNode;
  beforeAll(async () => {
    [database, slapd] = await Promise.all([createTestDatabase('sqlite'), startSlapd({ tls: true })]);
    node = await startLanyardNode(database.db, randomBytes(32));
  });
  afterAll(async () => {
    await node?.close();
    await database?.drop();
    await slapd?.stop();
    removeAgentDirs();
  });

  // How the agent reaches slapd over TLS: StartTLS on ldap://, or ldaps:// from the first byte.
  const transports: Array<[string, (slapd: SlapdServer) => Record<string, unknown>]> = [
    ['StartTLS', () => ({ startTls: true })],
    ['ldaps://', (server) => ({ url: server.ldapsUrl! })],
  ];

  it.each(transports)('syncs and checks passwords over %s when the CA is configured', async (transport, ldapOf) => {
    const scenario = await createScenario(database.db, node, slapd, { agent: { ldap: { ...ldapOf(slapd), caFile: slapd.caCertPath } } });
    const person = transport === 'StartTLS' ? 'tia' : 'uma';
    await scenario.addPeople([person], { password: `${person}-directory-pw` });
    const report = await runSync({ config: scenario.agent.config, bindPassword: scenario.agent.secrets.bindPassword, api: scenario.agent.api, logger: quietLogger });
    expect(report).toMatchObject({ outcome: 'success', created: 1 });
    expect(await verifyPasswordByBind(scenario.agent.config.ldap, scenario.dn(person), `${person}-directory-pw`)).toBe(true);
    expect(await verifyPasswordByBind(scenario.agent.config.ldap, scenario.dn(person), 'wrong')).toBe(false);
  });

  it.each(transports)('refuses a certificate it cannot verify over %s with LDAP_TLS_FAILED', async (_transport, ldapOf) => {
    const scenario = await createScenario(database.db, node, slapd, { agent: { ldap: ldapOf(slapd) } });
    await expect(runSync({ config: scenario.agent.config, bindPassword: scenario.agent.secrets.bindPassword, api: scenario.agent.api, logger: quietLogger }))
      .rejects.toMatchObject({ code: 'LDAP_TLS_FAILED' });
    // A pass-through password check fails as a TLS problem, never as a wrong password.
    await expect(verifyPasswordByBind(scenario.agent.config.ldap, scenario.dn('nobody'), 'any password')).rejects.toMatchObject({ code: 'LDAP_TLS_FAILED' });
  });
});
