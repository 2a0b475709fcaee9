/**
 * Directory agent benchmark: `npx tsx bench/agent-sync.ts [entries]` (default 10,000).
 * - full sync of N inetOrgPerson entries bulk-loaded into a real slapd with slapadd: entries/s and
 *   the process's peak RSS (agent and Lanyard node share this process, so it is an upper bound);
 * - LDAP modify → visible in Lanyard's database with the real agent loop at a 2 s interval (5 rounds).
 * `bench/run.ts` runs it as a child process per size, so each peak RSS is that size's own.
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
import { startAgent } from '../agent/runtime.ts';
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

// Latency as a person sees it: the real agent loop with a 2 s interval, an LDAP modify at a random
// point of the interval, and the time until Lanyard's database shows the change.
const agent = startAgent({ config: { ...config, intervalSeconds: 2 }, secrets: { agentKey: key, bindPassword: slapd.syncPassword }, logger, pollWaitSeconds: 1 });
while (agent.reports.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
const latencies: number[] = [];
for (let round = 0; round < 5; round += 1) {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 2000));
  const name = `Changed ${round}`;
  await slapd.withAdmin((client) => client.modify('uid=u1,ou=people,dc=example,dc=test', new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: [name] }) })));
  started = process.hrtime.bigint();
  for (;;) {
    const row = await db.selectFrom('users').select('displayName').where('upn', '=', 'u1@bench.test').executeTakeFirst();
    if (row?.displayName === name) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
}
await agent.stop();
clearInterval(sampler);

console.log(JSON.stringify({
  entries: count,
  fullSync: { created: full.created, seconds: Number(fullSeconds.toFixed(2)), entriesPerSecond: Math.round(count / fullSeconds) },
  peakRssMiB: Math.round(peakRss / 1024 / 1024),
  modifyToVisibleMilliseconds: { intervalSeconds: 2, max: Math.round(Math.max(...latencies)), mean: Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) },
}));

server.close();
await close();
await slapd.stop();
rmSync(dir, { recursive: true, force: true });
