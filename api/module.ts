import type { LanyardModule } from '../core/module.ts';
import { portalDepsOf } from '../portal/module.ts';
import { provisioningDeps } from '../provisioning/runs/run-admin.ts';
import { apiTokenCommands } from './commands.ts';
import * as apiTokens from './migrations/0006-api-tokens.ts';
import { createAdminApiRouters } from './router.ts';

/** The admin API (`/api/v1/…`: organization-scoped bearer tokens or an admin's portal session; `/api/v1/openapi.json`) and `lanyard api-token …`. */
export const apiModule: LanyardModule = {
  name: 'api',
  migrations: { '0006-api-tokens': apiTokens },
  commands: apiTokenCommands,
  routes: (host) => createAdminApiRouters(portalDepsOf(host), provisioningDeps(host.context, undefined, host.services), host.jobs),
};
