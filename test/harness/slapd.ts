import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { freePort } from './free-port.ts';

/**
 * A private OpenLDAP `slapd` (the recipe in shared/reference/test-peers.md §1): suffix
 * dc=example,dc=test with ou=people, rootdn cn=admin,dc=example,dc=test / "secret", a service
 * account cn=sync,dc=example,dc=test / "sync-secret" for the agent, syncprov loaded, passwords
 * readable by nobody (self write, anonymous auth). Runs in the foreground (`-d 0`) as our child,
 * on a free loopback port; `stop()` sends SIGTERM and removes its directory.
 *
 * @example
 *   const ldap = await startSlapd();
 *   await ldap.withAdmin((client) => client.add('uid=a,ou=people,dc=example,dc=test', {...}));
 *   await ldap.stop();
 */
export interface SlapdServer {
  readonly url: string;
  /** With `tls: true`: the ldaps:// (TLS from the first byte) listener on its own port. */
  readonly ldapsUrl: string | undefined;
  /** With `tls: true`: the PEM of the CA that issued slapd's certificate. */
  readonly caCertPath: string | undefined;
  readonly port: number;
  readonly suffix: string;
  readonly adminDn: string;
  readonly adminPassword: string;
  readonly syncDn: string;
  readonly syncPassword: string;
  /** Runs `work` with a client bound as the rootdn, then unbinds. */
  withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
  /** Restarts on the same port and data (for "directory was down" tests). */
  restart(): Promise<void>;
  /** Stops the process but keeps the data, so `restart()` can bring it back. */
  pause(): Promise<void>;
}

export const suffix = 'dc=example,dc=test';

function configLdif(dir: string, tls: boolean): string {
  const tlsLines = tls ? `olcTLSCACertificateFile: ${dir}/ca.crt\nolcTLSCertificateFile: ${dir}/server.crt\nolcTLSCertificateKeyFile: ${dir}/server.key\n` : '';
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${dir}/slapd.pid
olcArgsFile: ${dir}/slapd.args
olcLogLevel: none
${tlsLines}
dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: syncprov

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: unlimited

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcRootDN: cn=admin,cn=config
olcRootPW: secret

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: ${suffix}
olcRootDN: cn=admin,${suffix}
olcRootPW: secret
olcDbDirectory: ${dir}/db
olcDbMaxSize: 1073741824
olcDbNoSync: TRUE
olcDbIndex: objectClass eq
olcDbIndex: entryCSN,entryUUID eq
olcDbIndex: modifyTimestamp eq,pres
olcSizeLimit: unlimited
olcLimits: dn.exact="cn=admin,${suffix}" size=unlimited time=unlimited
olcLimits: dn.exact="cn=sync,${suffix}" size=unlimited time=unlimited
olcAccess: to attrs=userPassword by self write by anonymous auth by * none
olcAccess: to * by * read

dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {0}syncprov
olcSpCheckpoint: 100 10
olcSpSessionLog: 1000
`;
}

const baseLdif = `dn: ${suffix}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,${suffix}
objectClass: organizationalUnit
ou: people

dn: cn=sync,${suffix}
objectClass: person
objectClass: simpleSecurityObject
cn: sync
sn: sync
userPassword: sync-secret
`;

/**
 * Starts slapd; `preload` LDIF (entries under the suffix) is bulk-loaded with slapadd first.
 * `tls: true` gives it a private CA and a certificate for 127.0.0.1, for StartTLS on `url` and
 * for an ldaps:// listener at `ldapsUrl` (the CA is at `caCertPath`).
 */
export async function startSlapd(options: { preload?: string; tls?: boolean } = {}): Promise<SlapdServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-slapd-'));
  mkdirSync(path.join(dir, 'slapd.d'));
  mkdirSync(path.join(dir, 'db'));
  if (options.tls) issueTestCertificates(dir);
  writeFileSync(path.join(dir, 'config.ldif'), configLdif(dir, options.tls === true));
  execFileSync('slapadd', ['-n0', '-F', path.join(dir, 'slapd.d'), '-l', path.join(dir, 'config.ldif')], { stdio: 'ignore' });
  writeFileSync(path.join(dir, 'data.ldif'), `${baseLdif}\n${options.preload ?? ''}`);
  execFileSync('slapadd', ['-q', '-n1', '-F', path.join(dir, 'slapd.d'), '-l', path.join(dir, 'data.ldif')], { stdio: 'ignore' });

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = options.tls ? `ldaps://127.0.0.1:${await freePort()}` : undefined;
  let child: ChildProcess | undefined;

  const launch = async () => {
    const listeners = ldapsUrl ? `${url}/ ${ldapsUrl}/` : `${url}/`;
    const started = spawn('slapd', ['-d', '0', '-h', listeners, '-F', path.join(dir, 'slapd.d')], { stdio: 'ignore' });
    child = started;
    for (let attempt = 0; ; attempt++) {
      const client = new Client({ url, connectTimeout: 1000 });
      try {
        await client.bind(`cn=admin,${suffix}`, 'secret');
        await client.unbind();
        return;
      } catch (error) {
        await client.unbind().catch(() => {});
        if (attempt > 100 || started.exitCode !== null) throw new Error(`slapd did not start: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const halt = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    running.kill('SIGTERM');
    await new Promise((resolve) => running.once('exit', resolve));
  };
  await launch();

  return {
    url, ldapsUrl, port, suffix,
    caCertPath: options.tls ? path.join(dir, 'ca.crt') : undefined,
    adminDn: `cn=admin,${suffix}`,
    adminPassword: 'secret',
    syncDn: `cn=sync,${suffix}`,
    syncPassword: 'sync-secret',
    async withAdmin(work) {
      const client = new Client({ url });
      await client.bind(`cn=admin,${suffix}`, 'secret');
      try {
        return await work(client);
      } finally {
        await client.unbind().catch(() => {});
      }
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    pause: halt,
    restart: async () => {
      await halt();
      await launch();
    },
  };
}

/** An inetOrgPerson entry's attributes for `client.add`. */
export function person(uid: string, options: { mail?: string | null; cn?: string; sn?: string; givenName?: string; password?: string } = {}): Record<string, string | string[]> {
  const attributes: Record<string, string | string[]> = {
    objectClass: ['inetOrgPerson'],
    uid,
    cn: options.cn ?? `User ${uid}`,
    sn: options.sn ?? uid,
    givenName: options.givenName ?? 'User',
  };
  if (options.mail !== null) attributes.mail = options.mail ?? `${uid}@contoso.test`;
  if (options.password) attributes.userPassword = options.password;
  return attributes;
}

/** A throwaway CA and a server certificate for 127.0.0.1 (openssl), valid for a day. */
function issueTestCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=Lanyard test LDAP CA', '-days', '1');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
}
