import { isLanyardError } from '../core/errors.ts';
import { createAgentApi } from './api-client.ts';
import type { AgentConfig } from './config.ts';
import { loadAgentSecrets } from './config.ts';
import { openDirectory } from './ldap/connection.ts';
import { searchScope } from './ldap/scope.ts';
import { entryAttributes, isBinaryAnchor, mapEntry } from './mapping.ts';

/**
 * `lanyard-agent check`: tries each thing a sync needs, in order, and reports every step with a
 * clear verdict instead of stopping at the first exception: secrets readable, LDAP connect and
 * bind, the search (how many entries, whether the first maps), Lanyard reachable with this key.
 *
 * @example
 *   const steps = await checkAgent(config);
 *   console.log(formatCheckReport(steps));
 */
export interface CheckStep {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly code?: string;
}

export async function checkAgent(config: AgentConfig, env: Record<string, string | undefined> = process.env): Promise<CheckStep[]> {
  const steps: CheckStep[] = [];
  const fail = (step: string, error: unknown) => steps.push({ step, ok: false, detail: error instanceof Error ? error.message : String(error), ...(isLanyardError(error) ? { code: error.code } : {}) });

  let secrets;
  try {
    secrets = loadAgentSecrets(config, env);
    steps.push({ step: 'secrets', ok: true, detail: 'agent key and bind password read' });
  } catch (error) {
    fail('secrets', error);
    return steps;
  }

  try {
    const client = await openDirectory(config.ldap, secrets.bindPassword);
    steps.push({ step: 'ldap bind', ok: true, detail: `bound to ${config.ldap.url} as ${config.ldap.bindDn}${config.ldap.startTls ? ' (StartTLS)' : ''}` });
    try {
      let count = 0;
      let sample: string | undefined;
      const binary = isBinaryAnchor(config.mapping) ? [config.mapping.sourceAnchor] : [];
      for await (const page of searchScope(client, config.ldap, { filter: config.ldap.filter, attributes: entryAttributes(config.mapping), binaryAttributes: binary })) {
        if (count === 0 && page[0]) {
          const mapped = mapEntry(page[0], config.mapping);
          sample = 'rejected' in mapped ? `first entry ${page[0].dn} cannot be synced: ${mapped.rejected.code} ${mapped.rejected.message}` : `first entry maps to ${mapped.entry.upn} (anchor ${mapped.entry.anchor})`;
        }
        count += page.length;
      }
      steps.push({ step: 'ldap search', ok: count > 0, detail: `${count} entries in scope ${JSON.stringify(config.ldap.baseDns)} with ${config.ldap.filter}${sample ? `; ${sample}` : ''}` });
    } catch (error) {
      fail('ldap search', error);
    } finally {
      await client.unbind().catch(() => {});
    }
  } catch (error) {
    fail('ldap bind', error);
  }

  try {
    const whoami = await createAgentApi(config.server, secrets.agentKey).whoami();
    steps.push({ step: 'lanyard', ok: true, detail: `${config.server} accepts this key: agent "${whoami.name}" of organization ${whoami.organization.slug} (domains: ${whoami.domains.join(', ') || 'none'})` });
  } catch (error) {
    fail('lanyard', error);
  }
  return steps;
}

export function formatCheckReport(steps: readonly CheckStep[]): string {
  return steps.map((step) => `${step.ok ? 'OK  ' : 'FAIL'} ${step.step.padEnd(12)} ${step.code ? `[${step.code}] ` : ''}${step.detail}`).join('\n');
}
