import { readFileSync } from 'node:fs';
import { csrfKeyOf } from '../core/csrf.ts';
import type { JobDefinition } from '../core/jobs/job-runner.ts';
import type { LanyardModule, ModuleHost } from '../core/module.ts';
import { deleteExpiredSignInRequests } from '../core/db/sign-in-requests.ts';
import { federationCommands } from './commands/federation-commands.ts';
import { organizationCommands } from './commands/organization-commands.ts';
import { userCommands } from './commands/user-commands.ts';
import { logoRouter } from './branding/logo-route.ts';
import { metadataRouter } from './federation/routes.ts';
import type { IdpDeps } from './login/deps.ts';
import { signInRouter } from './login/routes.ts';
import { accountNameKey } from './login/throttle.ts';
import { portalResponder } from './login/portal-responder.ts';
import { signInResponders } from './login/responders.ts';
import { samlRouter } from './saml2/routes.ts';
import { samlResponder } from './saml2/token-response.ts';
import { createSigningKeyStore } from './signing/key-store.ts';
import { wsFedRouter } from './wsfed/routes.ts';
import { wsFedResponder } from './wsfed/token-response.ts';

const depsByHost = new WeakMap<ModuleHost, IdpDeps>();

/** The sign-in endpoints' dependencies, built once per server (one key cache per process). */
export function idpDeps(host: ModuleHost): IdpDeps {
  let deps = depsByHost.get(host);
  if (!deps) {
    const { config, db, secretBox, masterKey, logger } = host.context;
    deps = {
      config,
      db,
      secretBox,
      csrfKey: csrfKeyOf(masterKey),
      accountNameKey: accountNameKey(masterKey),
      keys: createSigningKeyStore(db, secretBox),
      metrics: host.metrics,
      logger,
      // Directory accounts check their password with an LDAP bind done by the org's on-premises agent.
      directoryPasswords: host.services.directoryPasswords,
      responders: signInResponders([wsFedResponder, samlResponder, portalResponder]),
      microsoftRequestSigningCerts: config.microsoftRequestSigningCertFile ? splitPem(readFileSync(config.microsoftRequestSigningCertFile, 'utf8')) : [],
    };
    depsByHost.set(host, deps);
  }
  return deps;
}

/** Expired sign-in requests are only garbage: removed now and then by one node. */
const signInHousekeeping = (host: ModuleHost): JobDefinition => ({
  kind: 'idp.sign-in-housekeeping',
  everySeconds: 600,
  run: async () => ({ removed: await deleteExpiredSignInRequests(host.context.db, new Date(Date.now() - 60 * 60_000)) }),
});

/**
 * The identity provider: organizations, domains, accounts, signing keys, the WS-Fed and SAML 2.0
 * endpoints with their sign-in pages, and federation metadata.
 */
export const idpModule: LanyardModule = {
  name: 'idp',
  commands: [...organizationCommands, ...userCommands, ...federationCommands],
  async start(host) {
    await idpDeps(host).keys.ensureCurrent();
  },
  // Busiest first: each router matches the path in turn until one answers.
  routes: (host) => {
    const deps = idpDeps(host);
    return [wsFedRouter(deps), samlRouter(deps), signInRouter(deps), metadataRouter(deps), logoRouter(deps.db)];
  },
  jobs: (host) => [signInHousekeeping(host)],
};

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
