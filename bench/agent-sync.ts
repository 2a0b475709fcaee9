/**
 * Directory agent benchmark: `npx tsx bench/agent-sync.ts [entries]` (default 10,000).
 * - full sync of N inetOrgPerson entries bulk-loaded into a real slapd with slapadd: entries/s, and
 *   the agent's CPU time (steadier than entries/s on a shared machine);
 * - the first delta after it, which re-reads the entries stamped in the same second as the last one;
 * - LDAP modify → visible in Lanyard's database with the real agent loop at a 2 s interval (5 rounds
 *   with the default deletion scan interval, 5 with a scan on every run);
 * - memory of each side apart: this process is the agent only; Lanyard (an in-process Koa node with
 *   the agent router on SQLite) and the slapd harness run in a child process (this file with
 *   `--lanyard`), which also builds the LDIF, so neither side's figure includes the other or the
 *   bench's setup. Each side reports its peak RSS (counted from the end of setup) and its peak live
 *   memory: V8 heap plus Buffers, sampled right after a forced GC, since V8 lets RSS grow lazily.
 * `bench/run.ts` runs it as a child process per size. Prints one JSON line.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Koa from 'koa';
import { Attribute, Change, Client } from 'ldapts';
import { createAgentApi } from '../agent/api-client.ts';
import { parseAgentConfig } from '../agent/config.ts';
import { registerAgent, setDeletionGuardThreshold } from '../agent/server/admin.ts';
import { createAgentRouter } from '../agent/server/router.ts';
import { startAgent } from '../agent/runtime.ts';
import { runSync } from '../agent/sync.ts';
import { createLogger } from '../core/logger.ts';
import { allMigrations } from '../server/modules.ts';
import { migrateToLatest, openDatabase } from '../core/db/database.ts';
import { insertDomain } from '../core/db/domains.ts';
import { insertOrganization } from '../core/db/organizations.ts';
import { startSlapd } from '../test/harness/slapd.ts';
import { peakRssMiB } from './measure.ts';

interface World {
  readonly url: string;
  readonly key: string;
  readonly ldap: { readonly url: string; readonly syncDn: string; readonly syncPassword: string; readonly adminDn: string; readonly adminPassword: string };
}
type Request = { type: 'displayName'; upn: string } | { type: 'memory' } | { type: 'stop' };
interface SideMemory {
  readonly peakRssMiB: number | null;
  /** V8 heap plus memory outside it that V8 accounts for (Buffers, external strings). */
  readonly peakLiveMiB: number;
  readonly peakHeapMiB: number;
}

const logger = createLogger('silent');
const mebibytes = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Peak live memory (heap + Buffers after a full GC) sampled every 250 ms, and peak RSS from now on. */
function startMemorySampler(): { stop(): SideMemory } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Linux: writing 5 to clear_refs resets VmHWM, so setup (the LDIF, migrations) is not counted.
  try { writeFileSync('/proc/self/clear_refs', '5'); } catch { /* not Linux: the peak includes setup */ }
  let peakLive = 0;
  let peakHeap = 0;
  const sample = () => {
    gc();
    const usage = process.memoryUsage();
    peakLive = Math.max(peakLive, usage.heapUsed + usage.external);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakRssMiB: peakRssMiB() ?? null, peakLiveMiB: mebibytes(peakLive), peakHeapMiB: mebibytes(peakHeap) };
    },
  };
}

/** slapd bulk-loaded with `count` people, and a Lanyard node on SQLite; the LDIF is garbage once this returns. */
async function setUpWorld(count: number) {
  const ldif = Array.from({ length: count }, (_, index) =>
    `dn: uid=u${index},ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: u${index}\ncn: User ${index}\nsn: U${index}\ngivenName: User\nmail: u${index}@bench.test\n`).join('\n');
  const slapd = await startSlapd({ preload: ldif });
  const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-bench-'));
  const { db, close } = openDatabase(path.join(dir, 'lanyard.sqlite'));
  await migrateToLatest(db, allMigrations);
  const organization = await insertOrganization(db, { slug: 'bench', name: 'Bench' });
  await insertDomain(db, { organizationId: organization.id, name: 'bench.test', issuerUri: 'http://localhost/federation/bench.test' });
  await setDeletionGuardThreshold(db, 'bench', count);
  const { key } = await registerAgent(db, 'bench', 'bench-agent');
  const app = new Koa();
  app.use(createAgentRouter({ db, logger, masterKey: randomBytes(32) }).routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { slapd, dir, db, close, key, server };
}

async function serveLanyard(count: number): Promise<void> {
  const { slapd, dir, db, close, key, server } = await setUpWorld(count);
  const memory = startMemorySampler();
  const world: World = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    key,
    ldap: { url: slapd.url, syncDn: slapd.syncDn, syncPassword: slapd.syncPassword, adminDn: slapd.adminDn, adminPassword: slapd.adminPassword },
  };
  process.send!({ world });
  process.on('message', async (request: Request) => {
    if (request.type === 'displayName') {
      const row = await db.selectFrom('users').select('displayName').where('upn', '=', request.upn).executeTakeFirst();
      process.send!({ displayName: row?.displayName ?? null });
    } else if (request.type === 'memory') {
      process.send!({ memory: memory.stop() });
    } else {
      server.closeAllConnections();
      server.close();
      await close();
      await slapd.stop();
      rmSync(dir, { recursive: true, force: true });
      process.disconnect();
    }
  });
}

async function benchAgent(count: number): Promise<void> {
  const lanyard = fork(import.meta.filename, ['--lanyard', String(count)], { execArgv: ['--import', 'tsx'] });
  const replies: ((message: Record<string, unknown>) => void)[] = [];
  lanyard.on('message', (message: Record<string, unknown>) => replies.shift()?.(message));
  const next = <T>() => new Promise<T>((resolve) => replies.push(resolve as (message: Record<string, unknown>) => void));
  const ask = <T>(request: Request) => {
    const answer = next<T>();
    lanyard.send(request);
    return answer;
  };
  const { world } = await next<{ world: World }>();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'lanyard-bench-agent-'));
  const config = parseAgentConfig({
    server: world.url,
    ldap: { url: world.ldap.url, bindDn: world.ldap.syncDn, baseDns: ['ou=people,dc=example,dc=test'], pageSize: 500 },
    stateDir,
  });
  const api = createAgentApi(world.url, world.key);
  const memory = startMemorySampler();

  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const full = await runSync({ config, bindPassword: world.ldap.syncPassword, api, logger });
  const fullSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const fullCpu = process.cpuUsage(cpuBefore);
  // The first delta re-reads every entry stamped in the checkpoint's second (modifyTimestamp has
  // one-second resolution, so the delta asks for >= it): after slapadd, a large share of the
  // directory. Run it here, timed, so the latency below is the steady state.
  const firstDeltaStarted = process.hrtime.bigint();
  const firstDelta = await runSync({ config, bindPassword: world.ldap.syncPassword, api, logger });
  const firstDeltaSeconds = Number(process.hrtime.bigint() - firstDeltaStarted) / 1e9;

  // Latency as a person sees it: the real agent loop with a 2 s interval, an LDAP modify at a random
  // point of the interval, and the time until Lanyard's database shows the change. Once with the
  // default deletion scan interval (in 5 rounds, no scan falls due), once with a scan on every run:
  // the worst case, when a change lands during a scan.
  const admin = new Client({ url: world.ldap.url });
  await admin.bind(world.ldap.adminDn, world.ldap.adminPassword);
  let round = 0;
  const measureLatency = async (deletionScanSeconds: number) => {
    const agent = startAgent({ config: { ...config, intervalSeconds: 2, deletionScanSeconds }, secrets: { agentKey: world.key, bindPassword: world.ldap.syncPassword }, logger, pollWaitSeconds: 1 });
    while (agent.reports.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const latencies: number[] = [];
    for (let rounds = 0; rounds < 5; rounds += 1) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2000));
      const name = `Changed ${(round += 1)}`;
      await admin.modify('uid=u1,ou=people,dc=example,dc=test', new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: [name] }) }));
      const changed = process.hrtime.bigint();
      while ((await ask<{ displayName: string | null }>({ type: 'displayName', upn: 'u1@bench.test' })).displayName !== name) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      latencies.push(Number(process.hrtime.bigint() - changed) / 1e6);
    }
    await agent.stop();
    return { intervalSeconds: 2, deletionScanSeconds, max: Math.round(Math.max(...latencies)), mean: Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) };
  };
  const modifyToVisible = await measureLatency(config.deletionScanSeconds);
  const modifyToVisibleScanningEveryRun = await measureLatency(0);
  await admin.unbind();
  const agentMemory = memory.stop();
  const lanyardMemory = (await ask<{ memory: SideMemory }>({ type: 'memory' })).memory;

  console.log(JSON.stringify({
    entries: count,
    fullSync: { created: full.created, seconds: Number(fullSeconds.toFixed(2)), entriesPerSecond: Math.round(count / fullSeconds), agentCpuSeconds: Number(((fullCpu.user + fullCpu.system) / 1e6).toFixed(2)) },
    firstDelta: { reread: firstDelta.unchanged + firstDelta.updated, seconds: Number(firstDeltaSeconds.toFixed(2)) },
    memory: { agent: agentMemory, lanyard: lanyardMemory },
    modifyToVisibleMilliseconds: modifyToVisible,
    modifyToVisibleScanningEveryRunMilliseconds: modifyToVisibleScanningEveryRun,
  }));

  lanyard.send({ type: 'stop' } satisfies Request);
  await new Promise((resolve) => lanyard.once('exit', resolve));
  rmSync(stateDir, { recursive: true, force: true });
}

if (process.argv[2] === '--lanyard') await serveLanyard(Number(process.argv[3]));
else await benchAgent(Number(process.argv[2] ?? 10_000));
