import { parseArgs } from 'node:util';
import { isLanyardError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { createAgentApi } from './api-client.ts';
import { checkAgent, formatCheckReport } from './check.ts';
import { loadAgentConfig, loadAgentSecrets } from './config.ts';
import { agentVersion, startAgent } from './runtime.ts';
import { runSync } from './sync.ts';

/**
 * `lanyard-agent run --config <file> [--once]` and `lanyard-agent check --config <file> [--json]`.
 * Exit codes: 0 success, 1 failure (the log says why with a stable code), 2 usage error.
 * No secret is ever taken from argv. `--help` / `-h` (alone or after a command) answers before
 * any config is read.
 */
const subcommands = {
  run: {
    usage: 'lanyard-agent run --config <file> [--once]',
    about: 'Syncs every intervalSeconds until SIGTERM or SIGINT, and answers pass-through sign-ins.',
    options: ['--config <file>        the agent config (JSON, see agent/README.md)', '--once                 one sync, always with a deletion scan, then exit (1 if stopped by the deletion guard)'],
  },
  check: {
    usage: 'lanyard-agent check --config <file> [--json]',
    about: 'Tries each thing a sync needs (secrets, LDAP bind, search, Lanyard) and reports every step.',
    options: ['--config <file>        the agent config (JSON, see agent/README.md)', '--json                 the steps as JSON'],
  },
} as const;
const helpLine = '-h, --help             this help';
const usage = `usage: ${Object.values(subcommands).map((command) => command.usage).join('\n       ')}\n(lanyard-agent <command> --help: its options)`;

function commandHelp(name: keyof typeof subcommands): string {
  const command = subcommands[name];
  return [`usage: ${command.usage}`, command.about, '', 'options:', ...[...command.options, helpLine].map((line) => `  ${line}`)].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { config: { type: 'string' }, once: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  const command = positionals[0];
  if (values.help || command === 'help') {
    const topic = command === 'help' ? positionals[1] : command;
    process.stdout.write(`${topic === 'run' || topic === 'check' ? commandHelp(topic) : usage}\n`);
    return 0;
  }
  if ((command !== 'run' && command !== 'check') || !values.config) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const config = loadAgentConfig(values.config);
  const logger = createLogger(config.logLevel, { component: 'lanyard-agent' });

  if (command === 'check') {
    const steps = await checkAgent(config);
    process.stdout.write(values.json ? `${JSON.stringify({ ok: steps.every((step) => step.ok), steps })}\n` : `${formatCheckReport(steps)}\n`);
    return steps.every((step) => step.ok) ? 0 : 1;
  }

  const secrets = loadAgentSecrets(config);
  if (values.once) {
    const api = createAgentApi(config.server, secrets.agentKey);
    const report = await runSync({ config, bindPassword: secrets.bindPassword, api, logger, version: agentVersion });
    return report.outcome === 'guarded' ? 1 : 0;
  }
  const agent = startAgent({ config, secrets, logger });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('stopping');
  await agent.stop();
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const line = isLanyardError(error) ? { level: 'error', code: error.code, message: error.message } : { level: 'error', code: 'AGENT_FAILED', message: String(error) };
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...line, component: 'lanyard-agent' })}\n`);
  process.exitCode = 1;
}
