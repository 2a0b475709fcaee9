import { csrfKeyOf } from '../core/csrf.ts';
import type { LanyardModule } from '../core/module.ts';
import { activationRouter } from './activation/activation-routes.ts';
import { keyCommands } from './commands/key-commands.ts';
import { provisioningCommands } from './commands/provisioning-commands.ts';
import { tenantCommands } from './commands/tenant-commands.ts';
import { provisioningConfig } from './config.ts';
import * as tenantConnections from './migrations/0003-tenant-connections.ts';
import * as provisioning from './migrations/0004-provisioning.ts';
import { provisioningDeps } from './runs/run-admin.ts';
import { provisioningRunJob } from './runs/run-job.ts';
import { provisioningWorkerJob } from './runs/worker.ts';

/**
 * Everything that reads or writes a company's Microsoft 365 tenant: the tenant connection,
 * federate / unfederate, import / export runs with their reports, licences, auto-provisioning,
 * and the activation pages of imported accounts.
 */
export const provisioningModule: LanyardModule = {
  name: 'provisioning',
  config: provisioningConfig,
  migrations: { '0003-tenant-connections': tenantConnections, '0004-provisioning': provisioning },
  // `keys rotate` pushes each step's certificates to the federated domains before switching locally.
  commands: [...keyCommands, ...provisioningCommands, ...tenantCommands],
  routes: ({ context }) => [activationRouter({ config: context.config, db: context.db, secretBox: context.secretBox, csrfKey: csrfKeyOf(context.masterKey) })],
  jobs: ({ context, services }) => [provisioningWorkerJob(context, services), provisioningRunJob(provisioningDeps(context, undefined, services))],
};
