import type Router from '@koa/router';
import type { Migration } from 'kysely';
import type { Clock } from './clock.ts';
import type { CommandDefinition } from './commands.ts';
import type { ConfigSection } from './config.ts';
import type { AppContext } from './context.ts';
import type { JobDefinition } from './jobs/job-runner.ts';
import type { NewJob } from './jobs/job-store.ts';
import type { Job } from './jobs/jobs-table.ts';
import type { Metrics } from './metrics.ts';
import type { Services } from './services.ts';

/**
 * The services every module provides, merged (later modules win), built once per process: the
 * server and the CLI both use this, so a command sees what a request sees.
 *
 * @example
 *   const services = provideServices(modules, context);
 *   await services.delegatedTenantAccess?.forOrganization(organization.id);
 */
export function provideServices(modules: readonly LanyardModule[], context: AppContext): Services {
  return Object.assign({}, ...modules.map((module) => module.provide?.(context) ?? {})) as Services;
}

/** What the server gives a module when it asks for its routes and jobs. */
export interface ModuleHost {
  readonly context: AppContext;
  readonly metrics: Metrics;
  /** What the other modules provide (see core/services.ts). */
  readonly services: Services;
  /** Hands work to the job runner of the cluster. */
  readonly jobs: JobQueue;
  /** The server's clock (a test's manual clock): deadlines a module keeps are read from it. */
  readonly clock: Clock;
}

/** Background work a request hands over instead of doing it in the request's process. */
export interface JobQueue {
  /**
   * Queues a job (an existing `key` returns its job unchanged) and wakes this node's runner, so a
   * node that serves requests starts the job at once; any other node's runner would take it too.
   */
  enqueue(job: NewJob): Promise<Job>;
}

/**
 * One module of Lanyard (idp, agent, provisioning, api, and next csp, portal, oidc): everything it
 * adds to the product, declared in one object so that adding a module is one line in
 * `server/modules.ts`. Every part is optional.
 *
 * @example
 *   export const cspModule: LanyardModule = {
 *     name: 'csp',
 *     config: cspConfigSection,                      // LANYARD_CSP_* variables, validated with the rest
 *     migrations: { '0012-csp-partners': partners },  // its tables, declared in csp/data/tables.ts
 *     commands: cspCommands,                         // `lanyard csp …`
 *     routes: (host) => [consentCallbackRouter(host)],
 *     jobs: (host) => [tokenRenewalJob(host), domainVerificationJob(host)],
 *   };
 */
export interface LanyardModule {
  readonly name: string;
  /** The module's settings: environment variables validated at start with the core ones. */
  readonly config?: ConfigSection;
  /** Forward-only migrations of the module's tables, by globally ordered name (`NNNN-what`). */
  readonly migrations?: Readonly<Record<string, Migration>>;
  /** `lanyard …` commands. */
  readonly commands?: readonly CommandDefinition[];
  /** Runs once when `lanyard serve` starts, before any request (e.g. make sure a signing key exists). */
  start?(host: ModuleHost): Promise<void>;
  /** Services this module offers the others (built once per process). */
  provide?(context: AppContext): Partial<Services>;
  /** HTTP routers, mounted in module order by `lanyard serve` (put the busiest first). */
  routes?(host: ModuleHost): readonly Router[];
  /** Background work, run by the one job runner on every node. */
  jobs?(host: ModuleHost): readonly JobDefinition[];
}
