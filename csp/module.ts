import { systemClock } from '../core/clock.ts';
import type { LanyardModule } from '../core/module.ts';
import { tenantConsentCallbackRouter } from './access/tenant-consent-routes.ts';
import { customerCommands } from './commands/customer-commands.ts';
import { partnerCommands } from './commands/partner-commands.ts';
import { tokenCommands } from './commands/token-commands.ts';
import { accessCommands } from './commands/access-commands.ts';
import { syncCommands } from './commands/sync-commands.ts';
import { userCommands } from './commands/user-commands.ts';
import { cspConfig } from './config.ts';
import { consentCallbackRouter } from './consent/consent-routes.ts';
import { sharedDelegatedTenantAccess } from './customers/delegated-tenant-access.ts';
import { syncJob } from './jobs/sync-job.ts';
import { tokenRenewalJob } from './jobs/token-renewal-job.ts';
import * as partners from './migrations/0011-csp-partners.ts';
import * as customers from './migrations/0012-csp-customers.ts';
import * as customerLicences from './migrations/0015-csp-customer-licences.ts';
import * as sync from './migrations/0018-csp-sync.ts';

/**
 * Cloud Solution Provider partners: the partner's app registration, the delegated consent of a
 * partner admin (refresh token with MFA) and its renewal. The only module that knows Partner Center.
 */
export const cspModule: LanyardModule = {
  name: 'csp',
  config: cspConfig,
  migrations: { '0011-csp-partners': partners, '0012-csp-customers': customers, '0015-csp-customer-licences': customerLicences, '0018-csp-sync': sync },
  commands: [...partnerCommands, ...tokenCommands, ...customerCommands, ...userCommands, ...syncCommands, ...accessCommands],
  // Organizations linked to a CSP customer reach their tenant through the partner's delegated access.
  provide: (context) => ({ delegatedTenantAccess: sharedDelegatedTenantAccess({ db: context.db, secretBox: context.secretBox, clock: systemClock }) }),
  routes: ({ context }) => [consentCallbackRouter(context), tenantConsentCallbackRouter({ db: context.db, clock: systemClock, config: context.config })],
  jobs: ({ context }) => [
    tokenRenewalJob({ db: context.db, secretBox: context.secretBox, clock: systemClock, renewalDays: context.config.csp.tokenRenewalDays }),
    syncJob({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config }),
  ],
};
