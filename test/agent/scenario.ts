import { randomBytes } from 'node:crypto';
import type { Client } from 'ldapts';
import type { Db } from '../../core/db/database.ts';
import type { Organization, User } from '../../core/db/schema.ts';
import { createContoso, setupAgent, type AgentSetup, type LanyardNode } from './agent-fixture.ts';
import { person, type SlapdServer } from '../harness/slapd.ts';

/**
 * One isolated test world inside a shared slapd and database: its own OU, its own organization
 * and domain (`<name>.test`), and a registered agent scoped to that OU.
 */
export interface Scenario {
  readonly name: string;
  readonly ou: string;
  readonly domain: string;
  readonly organization: Organization;
  readonly agent: AgentSetup;
  /** Adds people (uid → mail uid@domain) under the scenario OU or a sub-OU of it. */
  addPeople(uids: readonly string[], options?: { under?: string; password?: string }): Promise<void>;
  dn(uid: string, under?: string): string;
  entryUuid(dn: string): Promise<string>;
  users(): Promise<User[]>;
  user(upnLocalPart: string): Promise<User | undefined>;
  ldap<T>(work: (client: Client) => Promise<T>): Promise<T>;
}

export async function createScenario(
  db: Db,
  node: LanyardNode,
  slapd: SlapdServer,
  options: { subOus?: readonly string[]; agent?: Parameters<typeof setupAgent>[4] } = {},
): Promise<Scenario> {
  const name = `s${randomBytes(4).toString('hex')}`;
  const ou = `ou=${name},ou=people,${slapd.suffix}`;
  const domain = `${name}.test`;
  await slapd.withAdmin(async (client) => {
    await client.add(ou, { objectClass: 'organizationalUnit', ou: name });
    for (const sub of options.subOus ?? []) await client.add(`ou=${sub},${ou}`, { objectClass: 'organizationalUnit', ou: sub });
  });
  const organization = await createContoso(db, [domain]);
  const agent = await setupAgent(db, organization, node, slapd, { ...options.agent, ldap: { baseDns: [ou], ...options.agent?.ldap } });
  const dn = (uid: string, under?: string) => `uid=${uid},${under ? `ou=${under},` : ''}${ou}`;
  return {
    name, ou, domain, organization, agent, dn,
    async addPeople(uids, addOptions = {}) {
      await slapd.withAdmin(async (client) => {
        for (const uid of uids) {
          await client.add(dn(uid, addOptions.under), person(uid, { mail: `${uid}@${domain}`, ...(addOptions.password ? { password: addOptions.password } : {}) }));
        }
      });
    },
    async entryUuid(entryDn) {
      return slapd.withAdmin(async (client) => {
        const { searchEntries } = await client.search(entryDn, { scope: 'base', attributes: ['entryUUID'] });
        return String(searchEntries[0]!.entryUUID);
      });
    },
    users: () => db.selectFrom('users').selectAll().where('organizationId', '=', organization.id).orderBy('upn').execute(),
    user: (local) => db.selectFrom('users').selectAll().where('upn', '=', `${local}@${domain}`).executeTakeFirst(),
    ldap: (work) => slapd.withAdmin(work),
  };
}
