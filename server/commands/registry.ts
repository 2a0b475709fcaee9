import type { CommandDefinition } from '../../core/commands.ts';
import { modules } from '../modules.ts';
import type { HelpEntry } from './help.ts';

/**
 * Every `lanyard` command, module by module, in the order `lanyard --help` lists them. A module of
 * its own so tests can walk the list (test/cli/help.test.ts checks each command's `--help`) without
 * running the CLI.
 */
export const commands: readonly CommandDefinition[] = modules.flatMap((module) => module.commands ?? []);

/** `serve` keeps the process and gets its own context, so cli.ts runs it, but it has help like the rest. */
export const serveHelp: HelpEntry = { words: ['serve'], summary: 'serve   (the HTTP server and every module\'s background jobs, until SIGTERM; npm start)' };

/** What `--help` knows: serve first, then every command. */
export const helpEntries: readonly HelpEntry[] = [serveHelp, ...commands];
