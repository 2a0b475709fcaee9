import type { JobQueue } from '../../core/module.ts';
import type { PortalDeps } from '../../portal/session/deps.ts';
import type { FederationContext } from '../../portal/views/domains.ts';
import type { ProvisioningDeps } from '../../provisioning/runs/run-context.ts';

/** What the admin API's endpoints need, built once per server. */
export interface ApiDeps {
  /** The portal's session, rule and re-authentication, which the API shares. */
  readonly portal: PortalDeps;
  /** The server's context with the CSP module's delegated access (federation through a partner). */
  readonly context: FederationContext;
  readonly provisioning: ProvisioningDeps;
  readonly jobs: JobQueue;
  readonly maxBodyBytes: number;
}
