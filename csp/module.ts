import { systemClock } from '../core/clock.ts';
import type { LanyardModule } from '../core/module.ts';
import { customerCommands } from './commands/customer-commands.ts';
import { partnerCommands } from './commands/partner-commands.ts';
import { subscriptionCommands } from './commands/subscription-commands.ts';
import { tokenCommands } from './commands/token-commands.ts';
import { cspConfig } from './config.ts';
import { consentCallbackRouter } from './consent/consent-routes.ts';
import { createDelegatedTenantAccess } from './customers/delegated-tenant-access.ts';
import { tokenRenewalJob } from './jobs/token-renewal-job.ts';
import * as partners from './migrations/0011-csp-partners.ts';
import * as customers from './migrations/0012-csp-customers.ts';
import * as subscriptions from './migrations/0013-csp-subscriptions.ts';
import * as customerLicences from './migrations/0015-csp-customer-licences.ts';
import { abandonedChangeSweep } from './subscriptions/abandoned-change-sweep.ts';
import { legacyDeletionJob } from './subscriptions/legacy-deletion-job.ts';
import { subscriptionChangeJob } from './subscriptions/subscription-change-job.ts';

/**
 * Cloud Solution Provider partners: the partner's app registration, the delegated consent of a
 * partner admin (refresh token with MFA) and its renewal. The only module that knows Partner Center.
 */
export const cspModule: LanyardModule = {
  name: 'csp',
  config: cspConfig,
  migrations: {
    '0011-csp-partners': partners,
    '0012-csp-customers': customers,
    '0013-csp-subscriptions': subscriptions,
    '0015-csp-customer-licences': customerLicences,
  },
  commands: [...partnerCommands, ...tokenCommands, ...customerCommands, ...subscriptionCommands],
  // Organizations linked to a CSP customer reach their tenant through the partner's delegated access.
  provide: (context) => ({ delegatedTenantAccess: createDelegatedTenantAccess({ db: context.db, secretBox: context.secretBox, clock: systemClock }) }),
  routes: ({ context }) => [consentCallbackRouter(context)],
  jobs: ({ context }) => [
    tokenRenewalJob({ db: context.db, secretBox: context.secretBox, clock: systemClock, renewalDays: context.config.csp.tokenRenewalDays }),
    subscriptionChangeJob({ db: context.db, secretBox: context.secretBox, clock: systemClock }),
    legacyDeletionJob({ db: context.db, secretBox: context.secretBox, clock: systemClock }),
    abandonedChangeSweep({ db: context.db, secretBox: context.secretBox, clock: systemClock }),
  ],
};
