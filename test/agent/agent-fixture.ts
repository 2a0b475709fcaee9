import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Koa from 'koa';
import { createLogger, type Logger } from '../../core/logger.ts';
import type { Db } from '../../core/db/database.ts';
import { insertDomain } from '../../core/db/domains.ts';
import { insertOrganization } from '../../core/db/organizations.ts';
import type { Organization } from '../../core/db/schema.ts';
import { createAgentApi, type AgentApi } from '../../agent/api-client.ts';
import { parseAgentConfig, type AgentConfig, type AgentSecrets } from '../../agent/config.ts';
import { registerAgent } from '../../agent/server/admin.ts';
import { createAgentRouter } from '../../agent/server/router.ts';
import { afterAll, beforeAll } from 'vitest';
import type { Dialect } from '../../core/db/database.ts';
import { createTestDatabase, type TestDatabase } from '../harness/databases.ts';
import { startSlapd, type SlapdServer } from '../harness/slapd.ts';

/**
 * Wiring shared by the agent tests: a Lanyard "node" (Koa + the agent router on a real port) on a
 * test database, an organization with the domain contoso.test, and agent configs pointing at a
 * real slapd. Nothing is faked: HTTP, LDAP and the database are the real things.
 */
export const quietLogger: Logger = createLogger('silent');

/** Temp dirs of agents set up in this test file; `removeAgentDirs()` in afterAll deletes them. */
const agentDirs = new Set<string>();
export function removeAgentDirs(): void {
  for (const dir of agentDirs) rmSync(dir, { recursive: true, force: true });
  agentDirs.clear();
}

/** What most agent test files share: a database of one dialect, a slapd and a Lanyard node with the agent API. */
export interface AgentTestWorld {
  readonly database: TestDatabase;
  readonly slapd: SlapdServer;
  readonly node: LanyardNode;
}

/**
 * Starts the world in `beforeAll` and tears it down in `afterAll` of the calling suite; the
 * returned object is filled in once `beforeAll` has run.
 */
export function useAgentTestWorld(dialect: Dialect): AgentTestWorld {
  const world = {} as { database: TestDatabase; slapd: SlapdServer; node: LanyardNode };
  beforeAll(async () => {
    [world.database, world.slapd] = await Promise.all([createTestDatabase(dialect), startSlapd()]);
    world.node = await startLanyardNode(world.database.db, randomBytes(32));
  });
  afterAll(async () => {
    await world.node?.close();
    await world.database?.drop();
    await world.slapd?.stop();
    removeAgentDirs();
  });
  return world;
}

export interface LanyardNode {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLanyardNode(db: Db, masterKey: Buffer, options: { pollIntervalMs?: number } = {}): Promise<LanyardNode> {
  const app = new Koa();
  const router = createAgentRouter({ db, logger: quietLogger, masterKey, pollIntervalMs: options.pollIntervalMs ?? 50 });
  app.use(router.routes()).use(router.allowedMethods());
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export async function createContoso(db: Db, domains: readonly string[] = ['contoso.test']): Promise<Organization> {
  const organization = await insertOrganization(db, { slug: `contoso-${randomBytes(3).toString('hex')}`, name: 'Contoso' });
  for (const name of domains) await insertDomain(db, { organizationId: organization.id, name, issuerUri: `http://localhost/federation/${name}` });
  return organization;
}

export interface AgentSetup {
  readonly config: AgentConfig;
  readonly secrets: AgentSecrets;
  readonly api: AgentApi;
  readonly agentId: string;
  readonly dir: string;
  readonly configFile: string;
  cleanup(): void;
}

/** Registers an agent and writes its config, key file and bind password file into a temp dir. */
export async function setupAgent(
  db: Db,
  organization: Organization,
  node: LanyardNode,
  ldap: SlapdServer,
  overrides: { ldap?: Record<string, unknown>; mapping?: Record<string, unknown>; config?: Record<string, unknown>; stateDir?: string; name?: string } = {},
): Promise<AgentSetup> {
  const { agent, key } = await registerAgent(db, organization.slug, overrides.name ?? 'agent-1');
  const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-agent-'));
  agentDirs.add(dir);
  writeFileSync(path.join(dir, 'agent.key'), `${key}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, 'bind.pw'), `${ldap.syncPassword}\n`, { mode: 0o600 });
  const raw = {
    server: node.url,
    agentKeyFile: path.join(dir, 'agent.key'),
    ldap: {
      url: ldap.url,
      startTls: false,
      bindDn: ldap.syncDn,
      bindPasswordFile: path.join(dir, 'bind.pw'),
      baseDns: [`ou=people,${ldap.suffix}`],
      excludeDns: [],
      filter: '(objectClass=inetOrgPerson)',
      pageSize: 50,
      ...overrides.ldap,
    },
    mapping: { upn: 'mail', upnSuffix: null, sourceAnchor: 'entryUUID', displayName: 'cn', givenName: 'givenName', surname: 'sn', mail: 'mail', ...overrides.mapping },
    intervalSeconds: 60,
    // Every run scans for deletions, as the tests of deletions expect; deletion-scan.test.ts covers the interval.
    deletionScanSeconds: 0,
    ...overrides.config,
    stateDir: overrides.stateDir ?? path.join(dir, 'state'),
    logLevel: 'silent',
  };
  const configFile = path.join(dir, 'agent.json');
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  const config = parseAgentConfig(raw);
  const secrets = { agentKey: key, bindPassword: ldap.syncPassword };
  return { config, secrets, api: createAgentApi(node.url, key), agentId: agent.id, dir, configFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
