import { csrfKeyOf } from '../core/csrf.ts';
import type { LanyardModule, ModuleHost } from '../core/module.ts';
import { idpDeps } from '../idp/module.ts';
import { adminCommands } from './commands/admin-commands.ts';
import { portalConfig } from './config.ts';
import * as portal from './migrations/0017-portal.ts';
import { portalRouter } from './routes.ts';
import type { PortalDeps } from './session/deps.ts';
import { portalSignInRouter } from './session/signin-routes.ts';

/**
 * The admin portal, `/admin`: roles for admins (operator, org-admin, partner-admin, reseller) under
 * one rule (policy.ts), signing in through Lanyard's own sign-in with its own short session, and
 * server-rendered pages. `lanyard admin …` grants the roles.
 */
export const portalModule: LanyardModule = {
  name: 'portal',
  config: portalConfig,
  migrations: { '0017-portal': portal },
  commands: adminCommands,
  routes: (host) => {
    const deps = portalDepsOf(host);
    return [portalSignInRouter(deps), portalRouter(deps)];
  },
};

/** The portal's deps for a server (the admin API shares the portal's session and rule through them). */
export function portalDepsOf(host: ModuleHost): PortalDeps {
  return { context: host.context, clock: host.clock, csrfKey: csrfKeyOf(host.context.masterKey), idp: idpDeps(host), services: host.services, jobs: host.jobs };
}
