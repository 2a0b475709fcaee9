import type { Client } from '@microsoft/microsoft-graph-client';
import type { JobDefinition } from '../../core/jobs/job-runner.ts';
import { isLanyardError } from '../../core/errors.ts';
import { listDomainsDue, recordDomainFailure, type CustomerSelection } from '../data/customer-domains.ts';
import { findCustomerById } from '../data/customers.ts';
import type { CspCustomer } from '../data/tables.ts';
import { setUpDomain, type DomainSetupDeps } from '../domains/domain-setup.ts';
import { jobDnsWriter } from '../domains/hosted-zone-access.ts';

export const domainSetupJobKind = 'csp.domain-setup';
export const defaultDomainBatchSize = 50;

export interface DomainSetupJobDeps extends DomainSetupDeps {
  /**
   * A Graph client acting in the customer's tenant. In the product this is the partner's delegated
   * access (being built separately); tests pass one for an app registered in the emulated tenant.
   */
  readonly openCustomerGraph: (customer: CspCustomer) => Promise<Client>;
  /** Whose domains are worked on; see CustomerSelection (default: every customer, until subscriptions exist). */
  readonly selection?: CustomerSelection;
  /** Domains per run (default 50). */
  readonly batchSize?: number;
  /** Default 300 s. */
  readonly everySeconds?: number;
}

/**
 * Periodic "verify and set up" (the seed's VerifyAndSetup task): up to `batchSize` unverified
 * domains whose next attempt has come, oldest first, each through setUpDomain. A domain's failure is
 * recorded on the domain (attempts, backoff, last error) and the run goes on; the run's result
 * counts what happened. Idempotent: a rerun finds verified domains gone from the due list and
 * written records in place (the provider writes only what differs).
 */
export function domainSetupJob(deps: DomainSetupJobDeps): JobDefinition {
  return {
    kind: domainSetupJobKind,
    everySeconds: deps.everySeconds ?? 300,
    async run(_payload, job) {
      const due = await listDomainsDue(deps.db, { now: deps.clock.now(), limit: deps.batchSize ?? defaultDomainBatchSize, ...(deps.selection ? { selection: deps.selection } : {}) });
      const graphs = new Map<string, Promise<Client>>();
      const result = { processed: 0, verified: [] as string[], failed: [] as { domain: string; code: string }[], recordsWritten: 0 };
      for (const row of due) {
        if (job.signal.aborted) break;
        const customer = await findCustomerById(deps.db, row.customerId);
        if (!customer) continue;
        let graph = graphs.get(customer.id);
        if (!graph) {
          graph = deps.openCustomerGraph(customer);
          graphs.set(customer.id, graph);
        }
        let client: Client;
        try {
          client = await graph;
        } catch (error) {
          // No access to this customer's tenant (consent, GDAP role…): recorded on each of its domains, the others go on.
          const code = isLanyardError(error) ? error.code : 'INTERNAL';
          await recordDomainFailure(deps.db, row, { code, message: error instanceof Error ? error.message : String(error), zone: row.zone }, deps.clock.now());
          result.processed++;
          result.failed.push({ domain: row.domain, code });
          continue;
        }
        // The job never claims a zone: it writes only into zones its customer already owns.
        const outcome = await setUpDomain(deps, client, row, jobDnsWriter);
        result.processed++;
        result.recordsWritten += outcome.written.length;
        if (outcome.state === 'verified') result.verified.push(outcome.domain);
        else result.failed.push({ domain: outcome.domain, code: outcome.error?.code ?? 'UNKNOWN' });
      }
      return result;
    },
  };
}
