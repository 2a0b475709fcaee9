import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { JobDefinition } from '../../core/jobs/job-runner.ts';
import { findCustomerById } from '../data/customers.ts';
import { findPartnerById } from '../data/partners.ts';
import { listLegacyDueForDeletion, updateSubscriptionIf } from '../data/subscriptions.ts';
import { openPartnerCenter } from '../partner-center/open-partner-center.ts';
import { readPartnerCenterSubscription, subscriptionPath } from './partner-center-subscription.ts';
import type { SubscriptionJobDeps } from './subscription-change-job.ts';

export const legacyDeletionJobKind = 'csp.legacy-subscription-deletion';

/**
 * Periodic (hourly): the second step of a legacy termination. A legacy subscription terminated in
 * Lanyard is suspended at once; once its partner's termination delay (default 120 days) is over,
 * this job sets it `deleted` in Partner Center and in Lanyard. Idempotent: one already deleted in
 * Partner Center is only recorded; the status guard makes a second run a no-op.
 */
export function legacyDeletionJob(deps: SubscriptionJobDeps): JobDefinition {
  return {
    kind: legacyDeletionJobKind,
    everySeconds: 3600,
    async run(_payload, job) {
      const deleted: string[] = [];
      for (const subscription of await listLegacyDueForDeletion(deps.db, deps.clock.now())) {
        if (job.signal.aborted) break;
        const customer = (await findCustomerById(deps.db, subscription.customerId))!;
        const partner = (await findPartnerById(deps.db, subscription.partnerId))!;
        const pc = openPartnerCenter(deps, partner, `job:${legacyDeletionJobKind}`);
        const resource = await readPartnerCenterSubscription(pc, customer, subscription);
        if (resource.status !== 'deleted') {
          await pc.call('PATCH', subscriptionPath(customer, subscription.partnerCenterId!), { ...(resource.attributes?.etag ? { ifMatch: resource.attributes.etag } : {}), body: { ...resource, status: 'deleted' } });
        }
        if (await updateSubscriptionIf(deps.db, subscription.id, 'suspended', { status: 'deleted' }, deps.clock.now())) {
          deleted.push(subscription.id);
          await recordAuditEvent(deps.db, { actor: `job:${legacyDeletionJobKind}`, action: 'csp.subscription.delete', target: subscription.id, outcome: 'success', details: { customer: customer.domain, deleteAfter: subscription.deleteAfter } }, deps.clock.now());
        }
      }
      return { deleted };
    },
  };
}
