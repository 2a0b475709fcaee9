import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';
import * as directoryAgents from './0002-directory-agents.ts';
import * as tenantConnections from './0003-tenant-connections.ts';
import * as provisioning from './0004-provisioning.ts';
import * as apiTokens from './0006-api-tokens.ts';
import * as usageLocation from './0007-usage-location.ts';
import * as signInState from './0008-sign-in-state.ts';

/**
 * Forward-only migrations, in order. Listed in code (not read from a folder) so the set is fixed at
 * build time and identical on every node.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': initial,
  '0002-directory-agents': directoryAgents,
  '0003-tenant-connections': tenantConnections,
  '0004-provisioning': provisioning,
  '0006-api-tokens': apiTokens,
  '0007-usage-location': usageLocation,
  '0008-sign-in-state': signInState,
});
