import type { Clock } from '../../core/clock.ts';
import { isLanyardError } from '../../core/errors.ts';
import type { JobDefinition } from '../../core/jobs/job-runner.ts';
import type { Config } from '../../core/config.ts';
import { listPartners, listPartnersToRenew } from '../data/partners.ts';
import { partnerForCustomer } from '../customers/reseller-routing.ts';
import { listCustomerTokens, listCustomerTokensToRenew } from '../data/customer-tokens.ts';
import { findCustomerById } from '../data/customers.ts';
import { graphScope } from '../graph/customer-graph.ts';
import { redeemCustomerToken } from '../tokens/customer-tokens.ts';
import { noticeCustomerTokenState, noticeTokenState, type TokenNotice } from '../tokens/token-notices.ts';
import { refreshStored, type PartnerTokenDeps } from '../tokens/partner-tokens.ts';

export const tokenRenewalJobKind = 'csp.token-renewal';
const dayMs = 86_400_000;

/**
 * Periodic (hourly): redeems every partner refresh token, and every customer's own token, not used
 * for `renewalDays`, so none reaches Entra's 90 days of inactivity. One partner's refusal is recorded on that partner (its
 * state and code, by refreshStored) and does not stop the others; the job's result lists them.
 * Idempotent: a token renewed by an earlier attempt is no longer stale, so a rerun skips it.
 * Then every partner's state is compared with what its admins were last told (token-notices.ts):
 * a new state that needs attention (expiring, expired, revoked, …) is audited and mailed, once.
 */
export function tokenRenewalJob(deps: PartnerTokenDeps & { readonly clock: Clock; readonly renewalDays: number; readonly config: Pick<Config, 'smtp'> }): JobDefinition {
  return {
    kind: tokenRenewalJobKind,
    everySeconds: 3600,
    async run(_payload, job) {
      const now = deps.clock.now();
      const due = await listPartnersToRenew(deps.db, new Date(now.getTime() - deps.renewalDays * dayMs));
      const renewed: string[] = [];
      const failed: { partner: string; code: string }[] = [];
      for (const partner of due) {
        if (job.signal.aborted) break;
        try {
          await refreshStored(deps, partner, 'job:csp.token-renewal', deps.clock.now());
          renewed.push(partner.slug);
        } catch (error) {
          if (!isLanyardError(error) || error.status === 503) throw error;
          failed.push({ partner: partner.slug, code: String((error.details as { aadsts?: unknown } | undefined)?.aadsts ?? error.code) });
        }
      }
      // Customers' own tokens (customer-tokens.ts): the same inactivity window, redeemed at their tenant for Graph.
      const renewedCustomers: string[] = [];
      const failedCustomers: { customer: string; code: string }[] = [];
      for (const row of await listCustomerTokensToRenew(deps.db, new Date(now.getTime() - deps.renewalDays * dayMs))) {
        if (job.signal.aborted) break;
        const customer = await findCustomerById(deps.db, row.customerId);
        if (!customer) continue;
        try {
          await redeemCustomerToken(deps, await partnerForCustomer(deps.db, customer), customer, graphScope, 'job:csp.token-renewal');
          renewedCustomers.push(customer.domain);
        } catch (error) {
          if (!isLanyardError(error) || error.status === 503) throw error;
          failedCustomers.push({ customer: customer.domain, code: String((error.details as { aadsts?: unknown } | undefined)?.aadsts ?? error.code) });
        }
      }
      const notices: TokenNotice[] = [];
      for (const partner of await listPartners(deps.db)) {
        const notice = await noticeTokenState(deps, partner.id, deps.clock.now());
        if (notice) notices.push(notice);
      }
      for (const row of await listCustomerTokens(deps.db)) {
        const notice = await noticeCustomerTokenState(deps, row.customerId, deps.clock.now());
        if (notice) notices.push(notice);
      }
      return { renewed, failed, renewedCustomers, failedCustomers, notices };
    },
  };
}
