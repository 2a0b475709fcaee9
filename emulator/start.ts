import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { EmulatorContext } from './context.ts';
import { LoginRequests } from './entra/login-requests.ts';
import { defaultGraphQuirks } from './graph/quirks.ts';
import { Throttle } from './graph/throttle.ts';
import { createApp } from './http/app.ts';
import { FaultInjector } from './http/faults.ts';
import { loadSeedFile } from './state/seed.ts';
import { EmulatorState } from './state/store.ts';
import { loadOrCreateKeys } from './tls/key-store.ts';

export interface EmulatorOptions {
  /** 0 (the default) lets the OS choose. */
  readonly port?: number;
  /** JSON seed file (format in emulator/README.md). */
  readonly seedPath?: string;
  /** Keeps the CA and signing keys across restarts; a temporary directory when absent. */
  readonly stateDirectory?: string;
  /**
   * `host:port` of the DNS server domain verification resolves through (e.g. the test's PowerDNS).
   * Absent: `POST /domains/{id}/verify` verifies without a lookup (see graph/domain-verification.ts).
   */
  readonly dnsServer?: string;
}

export interface RunningEmulator {
  /** `https://127.0.0.1:<port>`: Entra login URL, Graph origin and inspect API alike. */
  readonly baseUrl: string;
  /** The emulator's CA certificate, for `NODE_EXTRA_CA_CERTS`. */
  readonly caCertPath: string;
  readonly caCertPem: string;
  readonly state: EmulatorState;
  /** Changes (or, with undefined, removes) the DNS server domain verification resolves through. */
  setDnsServer(server: string | undefined): void;
  close(): Promise<void>;
}

/**
 * Starts the emulator on 127.0.0.1 over HTTPS with its own CA.
 *
 * @example
 *   const emulator = await startEmulator({ seedPath: 'emulator/seed.example.json' });
 *   // in this process, trust the CA for fetch-based clients (MSAL, Graph client):
 *   //   import { Agent, setGlobalDispatcher } from 'undici';
 *   //   setGlobalDispatcher(new Agent({ connect: { ca: [...tls.rootCertificates, emulator.caCertPem] } }));
 *   // in a child process: NODE_EXTRA_CA_CERTS=<emulator.caCertPath>
 *   await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const keys = await loadOrCreateKeys(options.stateDirectory);
  const state = new EmulatorState();
  const seeded = options.seedPath ? await loadSeedFile(state, options.seedPath) : { dnsServer: undefined };
  const context: EmulatorContext = {
    state,
    keys,
    faults: new FaultInjector(),
    throttle: new Throttle(),
    quirks: defaultGraphQuirks(),
    loginRequests: new LoginRequests(),
    domainVerificationDns: { server: options.dnsServer ?? seeded.dnsServer },
    baseUrl: '',
  };
  const server: Server = createServer(
    { key: keys.server.privateKeyPem, cert: keys.server.certificatePem },
    createApp(context).callback(),
  );
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  context.baseUrl = `https://127.0.0.1:${port}`;
  return {
    baseUrl: context.baseUrl,
    caCertPath: keys.caCertificatePath,
    caCertPem: keys.certificateAuthority.certificatePem,
    state,
    setDnsServer: (server) => {
      context.domainVerificationDns.server = server;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
