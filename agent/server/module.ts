import type { LanyardModule } from '../../core/module.ts';
import { agentCommands } from './commands.ts';
import * as directoryAgents from './migrations/0002-directory-agents.ts';
import { createPassThroughVerifier } from './pass-through.ts';
import { createAgentRouter } from './router.ts';

/**
 * The server side of the on-premises directory agent: its API (`/agent/v1/…`, agent-key auth),
 * pass-through password checks for the sign-in pages, and the `lanyard agent …` commands.
 */
export const agentModule: LanyardModule = {
  name: 'agent',
  migrations: { '0002-directory-agents': directoryAgents },
  commands: agentCommands,
  provide: ({ db, masterKey, logger }) => ({ directoryPasswords: createPassThroughVerifier({ db, masterKey, logger }) }),
  routes: ({ context: { db, masterKey, logger } }) => [createAgentRouter({ db, logger, masterKey })],
};
