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
 * No secret is ever taken from argv.
 */
const usage = 'usage: lanyard-agent run --config <file> [--once] | lanyard-agent check --config <file> [--json]';

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { config: { type: 'string' }, once: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  });
  const command = positionals[0];
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
