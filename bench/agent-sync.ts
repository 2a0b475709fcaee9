/**
 * Directory agent benchmark: `npx tsx bench/agent-sync.ts [entries]` (default 10,000).
 * - full sync of N inetOrgPerson entries bulk-loaded into a real slapd with slapadd: entries/s and
 *   the process's peak RSS (agent and Lanyard node share this process, so it is an upper bound);
 * - one LDAP modify → visible in Lanyard via a delta run: latency of that run.
 * Uses SQLite (embedded default) and the slapd test harness; prints one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { Attribute, Change } from 'ldapts';
import { createAgentApi } from '../agent/api-client.ts';
import { parseAgentConfig } from '../agent/config.ts';
import { registerAgent, setDeletionGuardThreshold } from '../agent/server/admin.ts';
import { createAgentRouter } from '../agent/server/router.ts';
import { runSync } from '../agent/sync.ts';
import { createLogger } from '../common/logger.ts';
import { migrateToLatest, openDatabase } from '../db/database.ts';
import { insertDomain } from '../db/domains.ts';
import { insertOrganization } from '../db/organizations.ts';
import { startSlapd } from '../test/harness/slapd.ts';

const count = Number(process.argv[2] ?? 10_000);
const logger = createLogger('silent');
const ldif = Array.from({ length: count }, (_, index) =>
  `dn: uid=u${index},ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: u${index}\ncn: User ${index}\nsn: U${index}\ngivenName: User\nmail: u${index}@bench.test\n`).join('\n');

const slapd = await startSlapd({ preload: ldif });
const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-bench-'));
const { db, close } = openDatabase(path.join(dir, 'lanyard.sqlite'));
await migrateToLatest(db);
const organization = await insertOrganization(db, { slug: 'bench', name: 'Bench' });
await insertDomain(db, { organizationId: organization.id, name: 'bench.test', issuerUri: 'http://localhost/federation/bench.test' });
await setDeletionGuardThreshold(db, 'bench', count);
const { key } = await registerAgent(db, 'bench', 'bench-agent');
const app = new Koa();
const router = createAgentRouter({ db, logger, masterKey: randomBytes(32) });
app.use(router.routes());
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

const config = parseAgentConfig({
  server: url,
  ldap: { url: slapd.url, bindDn: slapd.syncDn, baseDns: ['ou=people,dc=example,dc=test'], pageSize: 500 },
  stateDir: path.join(dir, 'state'),
});
const api = createAgentApi(url, key);
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);

let started = process.hrtime.bigint();
const full = await runSync({ config, bindPassword: slapd.syncPassword, api, logger });
const fullSeconds = Number(process.hrtime.bigint() - started) / 1e9;

await slapd.withAdmin((client) => client.modify('uid=u1,ou=people,dc=example,dc=test', new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Changed'] }) })));
started = process.hrtime.bigint();
const delta = await runSync({ config, bindPassword: slapd.syncPassword, api, logger });
const deltaMs = Number(process.hrtime.bigint() - started) / 1e6;
const visible = await db.selectFrom('users').select('displayName').where('upn', '=', 'u1@bench.test').executeTakeFirst();
clearInterval(sampler);

console.log(JSON.stringify({
  entries: count,
  fullSync: { created: full.created, seconds: Number(fullSeconds.toFixed(2)), entriesPerSecond: Math.round(count / fullSeconds) },
  peakRssMiB: Math.round(peakRss / 1024 / 1024),
  modifyToVisible: { mode: delta.mode, updated: delta.updated, milliseconds: Math.round(deltaMs), visible: visible?.displayName === 'Changed' },
}));

server.close();
await close();
await slapd.stop();
rmSync(dir, { recursive: true, force: true });
