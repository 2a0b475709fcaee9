import type { Client, Entry } from 'ldapts';
import { asDirectoryError } from './connection.ts';
import type { AgentConfig } from '../config.ts';

/**
 * Paged searches over the configured scope: every base DN, minus entries at or under an excluded
 * DN. DNs are compared case-insensitively with spaces around separators removed, which is how
 * servers treat them for these attribute types.
 *
 * @example
 *   for await (const page of searchScope(client, config.ldap, { filter, attributes })) { ... }
 */
export interface ScopeSearch {
  readonly filter: string;
  readonly attributes: readonly string[];
  readonly binaryAttributes?: readonly string[];
}

export function normalizeDn(dn: string): string {
  return dn.replace(/\s*([,=+])\s*/g, '$1').trim().toLowerCase();
}

export function isExcluded(dn: string, excludeDns: readonly string[]): boolean {
  const normalized = normalizeDn(dn);
  return excludeDns.some((excluded) => {
    const suffix = normalizeDn(excluded);
    return normalized === suffix || normalized.endsWith(`,${suffix}`);
  });
}

export async function* searchScope(client: Client, ldap: AgentConfig['ldap'], search: ScopeSearch): AsyncGenerator<Entry[]> {
  const seen = new Set<string>();
  for (const baseDn of ldap.baseDns) {
    try {
      const pages = client.searchPaginated(baseDn, {
        scope: 'sub',
        filter: search.filter,
        attributes: [...search.attributes],
        explicitBufferAttributes: [...(search.binaryAttributes ?? [])],
        paged: { pageSize: ldap.pageSize },
      });
      for await (const page of pages) {
        const entries = page.searchEntries.filter((entry) => {
          const key = normalizeDn(entry.dn);
          if (seen.has(key) || isExcluded(entry.dn, ldap.excludeDns)) return false;
          seen.add(key);
          return true;
        });
        if (entries.length > 0) yield entries;
      }
    } catch (error) {
      throw asDirectoryError(error, ldap.url, 'LDAP_SEARCH_FAILED');
    }
  }
}

/** The first value of an attribute, whatever case the server returned its name in. */
export function attributeValue(entry: Entry, name: string): string | Buffer | undefined {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (!key || key === 'dn') return undefined;
  const value = entry[key];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || (typeof first === 'string' && first.length === 0)) return undefined;
  return first;
}

/** Reads one entry's root DSE attribute (e.g. AD's highestCommittedUSN). */
export async function readRootDse(client: Client, attributes: readonly string[]): Promise<Entry | undefined> {
  const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: [...attributes] });
  return searchEntries[0];
}
