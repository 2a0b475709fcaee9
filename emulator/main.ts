import { parseArgs } from 'node:util';
import { startEmulator } from './start.ts';

/**
 * `tsx emulator/main.ts --port <n> [--seed <file>] [--state-dir <dir>] [--dns-server <host:port>]`
 * The first stdout line is `{"baseUrl":"https://127.0.0.1:<port>","caCertPath":"…"}`; harnesses read it.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    seed: { type: 'string' },
    'state-dir': { type: 'string' },
    'dns-server': { type: 'string' },
  },
  strict: true,
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`emulator: --port must be a TCP port, got ${values.port}`);
  process.exit(2);
}

const emulator = await startEmulator({
  port,
  ...(values.seed ? { seedPath: values.seed } : {}),
  ...(values['state-dir'] ? { stateDirectory: values['state-dir'] } : {}),
  ...(values['dns-server'] ? { dnsServer: values['dns-server'] } : {}),
});
process.stdout.write(`${JSON.stringify({ baseUrl: emulator.baseUrl, caCertPath: emulator.caCertPath })}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
