import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';
import * as usageLocation from './0007-usage-location.ts';
import * as signInState from './0008-sign-in-state.ts';
import * as organizationLogos from './0024-organization-logos.ts';

/**
 * The migrations of the shared aggregates (organizations, domains, users, sign-in state, keys,
 * audit). Each module lists its own beside its code; `server/modules.ts` puts them all together.
 * Names are ordered globally (`NNNN-what`): a new migration takes the next free number.
 */
export const baseMigrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': initial,
  '0007-usage-location': usageLocation,
  '0008-sign-in-state': signInState,
  '0024-organization-logos': organizationLogos,
});
