import type { LanyardModule } from '../core/module.ts';
import { provisioningDeps } from '../provisioning/runs/run-admin.ts';
import { apiTokenCommands } from './commands.ts';
import * as apiTokens from './migrations/0006-api-tokens.ts';
import { createAdminApiRouter } from './router.ts';

/** The admin API (`/api/v1/…`, organization-scoped bearer tokens) and `lanyard api-token …`. */
export const apiModule: LanyardModule = {
  name: 'api',
  migrations: { '0006-api-tokens': apiTokens },
  commands: apiTokenCommands,
  routes: ({ context, jobs, services }) => [createAdminApiRouter(context, provisioningDeps(context, undefined, services), jobs)],
};
