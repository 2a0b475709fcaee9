import { agentCommands } from './agent-commands.ts';
import { apiTokenCommands } from './api-token-commands.ts';
import type { CommandDefinition } from './command.ts';
import { federationCommands } from './federation-commands.ts';
import type { HelpEntry } from './help.ts';
import { keyCommands } from './key-commands.ts';
import { organizationCommands } from './organization-commands.ts';
import { provisioningCommands } from './provisioning-commands.ts';
import { tenantCommands } from './tenant-commands.ts';
import { userCommands } from './user-commands.ts';

/**
 * Every `lanyard` command, in the order `lanyard --help` lists them. A module of its own so tests
 * can walk the list (test/cli/help.test.ts checks each command's `--help`) without running the CLI.
 */
export const commands: readonly CommandDefinition[] = [...organizationCommands, ...userCommands, ...keyCommands, ...federationCommands, ...agentCommands, ...apiTokenCommands, ...provisioningCommands, ...tenantCommands];

/** `serve` keeps the process and gets its own context, so cli.ts runs it, but it has help like the rest. */
export const serveHelp: HelpEntry = { words: ['serve'], summary: 'serve   (the HTTP server and the provisioning worker, until SIGTERM; npm start)' };

/** What `--help` knows: serve first, then every command. */
export const helpEntries: readonly HelpEntry[] = [serveHelp, ...commands];
