import type { Clock } from '../../core/clock.ts';
import type { AppContext } from '../../core/context.ts';
import type { JobQueue } from '../../core/module.ts';
import type { Services } from '../../core/services.ts';
import type { IdpDeps } from '../../idp/login/deps.ts';

/** What the portal's routes need, built once per server. */
export interface PortalDeps {
  readonly context: AppContext;
  /** Every portal deadline (idle, absolute, re-authentication, ticket age) is on this clock. */
  readonly clock: Clock;
  readonly csrfKey: Buffer;
  /** The IdP's sign-in flow, which the portal signs in through. */
  readonly idp: IdpDeps;
  /** What other modules provide: the CSP module's delegated tenant access, for federation and key pushes. */
  readonly services: Services;
  /** Provisioning runs started from the portal are jobs of the job runner, as from the admin API. */
  readonly jobs: JobQueue;
}
