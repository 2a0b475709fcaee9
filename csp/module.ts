import { systemClock } from '../core/clock.ts';
import type { LanyardModule } from '../core/module.ts';
import { tenantConsentCallbackRouter } from './access/tenant-consent-routes.ts';
import { customerConsentRouter } from './access/customer-consent-routes.ts';
import { connectionCommands } from './commands/connection-commands.ts';
import { customerCommands } from './commands/customer-commands.ts';
import { domainCommands } from './commands/domain-commands.ts';
import { partnerCommands } from './commands/partner-commands.ts';
import { priceCommands } from './commands/price-commands.ts';
import { subscriptionCommands } from './commands/subscription-commands.ts';
import { tokenCommands } from './commands/token-commands.ts';
import { accessCommands } from './commands/access-commands.ts';
import { syncCommands } from './commands/sync-commands.ts';
import { userCommands } from './commands/user-commands.ts';
import { cspConfig } from './config.ts';
import { consentCallbackRouter } from './consent/consent-routes.ts';
import { sharedDelegatedTenantAccess } from './customers/delegated-tenant-access.ts';
import { domainSetupDeps, openCustomerGraph } from './domains/customer-graph.ts';
import { withActiveSubscription } from './data/customer-domains.ts';
import { domainSetupJob } from './jobs/domain-setup-job.ts';
import { syncJob } from './jobs/sync-job.ts';
import { partnerSyncJob } from './jobs/partner-sync-job.ts';
import { tokenRenewalJob } from './jobs/token-renewal-job.ts';
import * as partners from './migrations/0011-csp-partners.ts';
import * as customers from './migrations/0012-csp-customers.ts';
import * as subscriptions from './migrations/0013-csp-subscriptions.ts';
import * as tokenStorage from './migrations/0014-csp-token-storage.ts';
import * as customerLicences from './migrations/0015-csp-customer-licences.ts';
import * as customerDomains from './migrations/0016-csp-customer-domains.ts';
import * as sync from './migrations/0018-csp-sync.ts';
import * as prices from './migrations/0019-csp-prices.ts';
import * as customerTokens from './migrations/0025-csp-customer-tokens.ts';
import { dnsZoneCommands } from './commands/dns-zone-commands.ts';
import * as dnsZoneOwners from './migrations/0027-csp-dns-zone-owners.ts';
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
    '0014-csp-token-storage': tokenStorage,
    '0015-csp-customer-licences': customerLicences,
    '0016-csp-customer-domains': customerDomains,
    '0018-csp-sync': sync,
    '0019-csp-prices': prices,
    '0025-csp-customer-tokens': customerTokens,
    '0027-csp-dns-zone-owners': dnsZoneOwners,
  },
  commands: [
    ...partnerCommands,
    ...tokenCommands,
    ...connectionCommands,
    ...customerCommands,
    ...subscriptionCommands,
    ...priceCommands,
    ...domainCommands,
    ...userCommands,
    ...syncCommands,
    ...accessCommands,
    ...dnsZoneCommands,
  ],
  // Organizations linked to a CSP customer reach their tenant through the partner's delegated access.
  provide: (context) => ({ delegatedTenantAccess: sharedDelegatedTenantAccess({ db: context.db, secretBox: context.secretBox, clock: systemClock }) }),
  routes: ({ context }) => [
    consentCallbackRouter(context),
    tenantConsentCallbackRouter({ db: context.db, clock: systemClock, config: context.config }),
    customerConsentRouter({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config }),
  ],
  jobs: ({ context, services }) => [
    tokenRenewalJob({ db: context.db, secretBox: context.secretBox, clock: systemClock, renewalDays: context.config.csp.tokenRenewalDays, config: context.config }),
    subscriptionChangeJob({ db: context.db, secretBox: context.secretBox, clock: systemClock }),
    legacyDeletionJob({ db: context.db, secretBox: context.secretBox, clock: systemClock }),
    abandonedChangeSweep({ db: context.db, secretBox: context.secretBox, clock: systemClock }),
    // The domains of customers with an active subscription (the rule: a customer who bought nothing is not set up).
    domainSetupJob({
      ...domainSetupDeps(context, systemClock),
      selection: withActiveSubscription,
      openCustomerGraph: (customer) => openCustomerGraph(context, customer, services.delegatedTenantAccess),
    }),
    syncJob({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config }),
    partnerSyncJob({ db: context.db, secretBox: context.secretBox, clock: systemClock, config: context.config }),
  ],
};
