import { parseArgs } from 'node:util';
import { LanyardError, isLanyardError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import type { CommandDefinition, OptionSpec } from '../core/commands.ts';
import { commandHelp, helpRequested, overview } from './commands/help.ts';
import { commands, helpEntries } from './commands/registry.ts';
import { serve } from './commands/serve-command.ts';
import { provideServices } from '../core/module.ts';
import { loadLanyardConfig, modules, openLanyard } from './modules.ts';

const usage = overview(helpEntries);

/**
 * The `lanyard` command. Exit codes: 0 done, 1 the command failed (message and stable code on
 * stderr, or a JSON error object with --json), 2 usage error.
 */
async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    if (argv.length === 0) {
      process.stderr.write(`${usage}\n`);
      return 2;
    }
    // Before config and database: help works where neither is set up yet.
    const help = helpRequested(argv, helpEntries);
    if (help !== undefined) {
      process.stdout.write(`${help}\n`);
      return 0;
    }
    const config = loadLanyardConfig();
    if (argv[0] === 'serve') {
      await serve(await openLanyard(config));
      return 0;
    }
    const command = commands
      .filter((candidate) => candidate.words.every((word, index) => argv[index] === word))
      .sort((a, b) => b.words.length - a.words.length)[0];
    if (!command) throw new LanyardError('USAGE', `unknown command "${argv.filter((a) => !a.startsWith('-')).slice(0, 3).join(' ')}"\n${usage}`);
    const parsed = parseCommandArgs(command, argv.slice(command.words.length));
    // Commands log only warnings: their output is the result, not a log stream.
    const context = await openLanyard(config, { logger: createLogger(config.logLevel === 'debug' ? 'debug' : 'warn') });
    try {
      const output = await command.run({ ...parsed, context, services: provideServices(modules, context), readSecret: readSecretFromStdin });
      process.stdout.write(`${json ? JSON.stringify(output.json, null, 2) : output.text}\n`);
      return 0;
    } finally {
      await context.close();
    }
  } catch (error) {
    const known = isLanyardError(error) ? error : undefined;
    const code = known?.code ?? 'INTERNAL_ERROR';
    const message = known?.message ?? (error instanceof Error ? error.message : String(error));
    // Details (e.g. the failed pre-flight checks of `federate`) are for scripts; people get them in the message.
    const details = known?.exposeDetails ? known.details : undefined;
    process.stderr.write(json ? `${JSON.stringify({ error: { code, message, ...(details && { details }) } })}\n` : `error: ${message} (${code})\n`);
    return code === 'USAGE' ? 2 : 1;
  }
}

function parseCommandArgs(command: CommandDefinition, rest: readonly string[]) {
  const spec: OptionSpec = { ...command.options, json: { type: 'boolean' } };
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: Object.fromEntries(Object.entries(spec).map(([name, { type }]) => [name, { type }])), allowPositionals: true, strict: true });
  } catch (error) {
    throw new LanyardError('USAGE', `${(error as Error).message}\n${commandHelp(command)}`);
  }
  if (parsed.positionals.length !== command.positionals.length) {
    throw new LanyardError('USAGE', commandHelp(command));
  }
  for (const [name, option] of Object.entries(spec)) {
    const value = parsed.values[name];
    if (option.choices && typeof value === 'string' && !option.choices.includes(value)) {
      throw new LanyardError('USAGE', `--${name} must be one of ${option.choices.join(', ')}`);
    }
  }
  const args = Object.fromEntries(command.positionals.map((name, index) => [name, parsed.positionals[index]!]));
  return { args, options: parsed.values as Record<string, string | boolean | undefined> };
}

/** Reads all of stdin; one trailing newline (from `echo` or a file) is not part of the secret. */
async function readSecretFromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new LanyardError('SECRET_STDIN_REQUIRED', 'pipe the secret on standard input, e.g. `printf %s "$PASSWORD" | lanyard ...`');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (secret.length === 0) throw new LanyardError('SECRET_EMPTY', 'nothing was read from standard input');
  return secret;
}

process.exitCode = await main(process.argv.slice(2));
