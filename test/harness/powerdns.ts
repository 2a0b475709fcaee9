import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { freePort } from './free-port.ts';

/** The Debian package's schema for the gsqlite3 backend (pdns-backend-sqlite3). */
const schemaFile = '/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql';

/**
 * A private PowerDNS authoritative server (the recipe in shared/reference/test-peers.md §4): the
 * gsqlite3 backend in a temporary directory, DNS on a free loopback port (UDP and TCP), the HTTP API
 * on another, guarded by an API key. It runs in the foreground (`daemon=no`, `guardian=no`) as this
 * test's child process; `stop()` sends SIGTERM, waits for the exit and removes the directory.
 * Caches are off so a change is visible to the next query, and the security poll (a DNS query off
 * the machine at start) is disabled.
 *
 * @example
 *   const pdns = await startPowerDns();
 *   await pdns.createZone('contoso.test');
 *   const resolver = new dns.promises.Resolver(); resolver.setServers([pdns.dnsServer]);
 *   await pdns.stop();
 */
export interface PowerDnsServer {
  /** `http://127.0.0.1:<port>`: LANYARD_POWERDNS_URL. */
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly serverId: string;
  /** `127.0.0.1:<port>`, for `Resolver.setServers` and the emulator's `dnsServer`. */
  readonly dnsServer: string;
  readonly dnsPort: number;
  /** Creates a Native zone with an NS record (the API answers 201), optionally with extra rrsets. */
  createZone(name: string, rrsets?: readonly PowerDnsRrset[]): Promise<void>;
  /** The zone's rrsets as PowerDNS stores them (`name` with its trailing dot). */
  zoneRrsets(name: string): Promise<PowerDnsRrset[]>;
  /** A raw API call, for tests that look at PowerDNS's own answers. */
  api(method: string, pathAndQuery: string, body?: unknown): Promise<Response>;
  /** With `dnsUpdate`: the TSIG key that `createZone` allows to update each zone (RFC 2136). */
  readonly tsigKey?: PowerDnsTsigKey;
  stop(): Promise<void>;
}

export interface PowerDnsTsigKey {
  readonly name: string;
  readonly algorithm: 'hmac-sha256' | 'hmac-sha512';
  /** Base64. */
  readonly secret: string;
}

export interface PowerDnsOptions {
  /**
   * Accept RFC 2136 dynamic updates from loopback (`dnsupdate=yes`, `allow-dnsupdate-from`) signed
   * with this TSIG key: imported into PowerDNS at start, and every zone `createZone` makes gets
   * `TSIG-ALLOW-DNSUPDATE` naming it, so unsigned or otherwise signed updates are refused.
   */
  readonly dnsUpdate?: PowerDnsTsigKey;
}

export interface PowerDnsRrset {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly records: ReadonlyArray<{ readonly content: string; readonly disabled?: boolean }>;
}

export async function startPowerDns(options: PowerDnsOptions = {}): Promise<PowerDnsServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-pdns-'));
  const database = new Database(path.join(dir, 'pdns.sqlite3'));
  database.exec(readFileSync(schemaFile, 'utf8'));
  database.close();
  const apiKey = 'lanyard-test-pdns-key';
  const serverId = 'localhost';

  // A port free for TCP is almost always free for UDP too; a clash shows as an early exit, and we try another.
  for (let attempt = 0; ; attempt++) {
    const dnsPort = await freePort();
    const apiPort = await freePort();
    writeFileSync(path.join(dir, 'pdns.conf'), config(dir, dnsPort, apiPort, apiKey) + (options.dnsUpdate ? 'dnsupdate=yes\nallow-dnsupdate-from=127.0.0.0/8\n' : ''));
    const output: string[] = [];
    const child = spawn('pdns_server', [`--config-dir=${dir}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const api = (method: string, pathAndQuery: string, body?: unknown) =>
      fetch(`${apiUrl}${pathAndQuery}`, {
        method,
        headers: { 'X-API-Key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const ready = await waitUntilReady(child, () => api('GET', `/api/v1/servers/${serverId}`));
    if (!ready) {
      await halt(child);
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pdns_server did not start:\n${output.join('')}`);
    }
    const tsigKey = options.dnsUpdate;
    if (tsigKey) {
      const created = await api('POST', `/api/v1/servers/${serverId}/tsigkeys`, { name: tsigKey.name, algorithm: tsigKey.algorithm, key: tsigKey.secret });
      if (created.status !== 201) throw new Error(`importing TSIG key ${tsigKey.name}: ${created.status} ${await created.text()}`);
    }
    return {
      apiUrl,
      apiKey,
      serverId,
      dnsPort,
      dnsServer: `127.0.0.1:${dnsPort}`,
      api,
      async createZone(name, rrsets = []) {
        const zone = `${name.replace(/\.$/, '')}.`;
        const response = await api('POST', `/api/v1/servers/${serverId}/zones`, {
          name: zone,
          kind: 'Native',
          nameservers: [`ns1.${zone}`],
          rrsets: rrsets.map((rrset) => ({ ...rrset, records: rrset.records.map((record) => ({ disabled: false, ...record })) })),
        });
        if (response.status !== 201) throw new Error(`creating zone ${zone}: ${response.status} ${await response.text()}`);
        if (tsigKey) {
          const meta = await api('PUT', `/api/v1/servers/${serverId}/zones/${zone}/metadata/TSIG-ALLOW-DNSUPDATE`, { metadata: [tsigKey.name] });
          if (meta.status !== 200) throw new Error(`allowing ${tsigKey.name} to update ${zone}: ${meta.status} ${await meta.text()}`);
        }
      },
      async zoneRrsets(name) {
        const response = await api('GET', `/api/v1/servers/${serverId}/zones/${name.replace(/\.$/, '')}.`);
        if (response.status !== 200) throw new Error(`reading zone ${name}: ${response.status} ${await response.text()}`);
        return ((await response.json()) as { rrsets: PowerDnsRrset[] }).rrsets;
      },
      ...(tsigKey ? { tsigKey } : {}),
      async stop() {
        await halt(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

function config(dir: string, dnsPort: number, apiPort: number, apiKey: string): string {
  return `launch=gsqlite3
gsqlite3-database=${dir}/pdns.sqlite3
gsqlite3-pragma-synchronous=0
local-address=127.0.0.1
local-port=${dnsPort}
socket-dir=${dir}
api=yes
api-key=${apiKey}
webserver=yes
webserver-address=127.0.0.1
webserver-port=${apiPort}
webserver-allow-from=127.0.0.0/8
default-soa-content=ns1.@ hostmaster.@ 0 10800 3600 604800 60
cache-ttl=0
negquery-cache-ttl=0
query-cache-ttl=0
zone-cache-refresh-interval=0
security-poll-suffix=
guardian=no
daemon=no
disable-syslog=yes
loglevel=3
`;
}

/** Polls the API until it answers 200 (about 0.15 s here), or the process exits, or 10 s pass. */
async function waitUntilReady(child: ChildProcess, probe: () => Promise<Response>): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const response = await probe();
      await response.body?.cancel();
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
