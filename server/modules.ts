import type { Migration } from 'kysely';
import { agentModule } from '../agent/server/module.ts';
import { apiModule } from '../api/module.ts';
import { cspModule } from '../csp/module.ts';
import { loadConfig, type Config } from '../core/config.ts';
import { createAppContext, type AppContext } from '../core/context.ts';
import * as jobs from '../core/jobs/0010-jobs.ts';
import type { Logger } from '../core/logger.ts';
import type { LanyardModule } from '../core/module.ts';
import { baseMigrations } from '../core/db/migrations/index.ts';
import { idpModule } from '../idp/module.ts';
import { portalModule } from '../portal/module.ts';
import { provisioningModule } from '../provisioning/module.ts';

/**
 * The modules of this Lanyard, in the order their routes are mounted (busiest first). A new module
 * is one line here.
 */
export const modules: readonly LanyardModule[] = [idpModule, agentModule, provisioningModule, cspModule, apiModule, portalModule];

/** Every migration: the shared tables', the job runner's and each module's, checked for clashing names. */
export const allMigrations: Readonly<Record<string, Migration>> = collectMigrations([
  { name: 'db', migrations: baseMigrations },
  { name: 'jobs', migrations: { '0010-jobs': jobs } },
  ...modules,
]);

/** The validated configuration: core variables and every module's section. */
export function loadLanyardConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(env, modules.flatMap((module) => (module.config ? [module.config] : [])));
}

/** The application context with the database migrated to every module's latest schema. */
export function openLanyard(config: Config, options: { logger?: Logger } = {}): Promise<AppContext> {
  return createAppContext(config, { ...options, migrations: allMigrations });
}

function collectMigrations(owners: ReadonlyArray<Pick<LanyardModule, 'name' | 'migrations'>>): Readonly<Record<string, Migration>> {
  const all: Record<string, Migration> = {};
  const ownerOf = new Map<string, string>();
  for (const owner of owners) {
    for (const [name, migration] of Object.entries(owner.migrations ?? {})) {
      const number = name.slice(0, 4);
      const clash = [...ownerOf.keys()].find((existing) => existing.slice(0, 4) === number);
      if (clash) throw new Error(`migration ${name} of ${owner.name} takes number ${number}, already used by ${clash} of ${ownerOf.get(clash)}`);
      ownerOf.set(name, owner.name);
      all[name] = migration;
    }
  }
  return Object.freeze(all);
}
