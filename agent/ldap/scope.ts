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

/** Whether `dn` is one of `subtrees` or inside one (an excluded DN, an earlier base DN). */
export function isInSubtree(dn: string, subtrees: readonly string[]): boolean {
  if (subtrees.length === 0) return false;
  const normalized = normalizeDn(dn);
  return subtrees.some((subtree) => {
    const suffix = normalizeDn(subtree);
    return normalized === suffix || normalized.endsWith(`,${suffix}`);
  });
}

/**
 * Overlapping base DNs (one inside another) yield each entry once: the search of a base skips
 * entries at or under an earlier base, whose subtree search already returned them. This needs no
 * memory of the DNs seen, so a search of any size holds one page at a time.
 */
export async function* searchScope(client: Client, ldap: AgentConfig['ldap'], search: ScopeSearch): AsyncGenerator<Entry[]> {
  for (const [index, baseDn] of ldap.baseDns.entries()) {
    const earlierBases = ldap.baseDns.slice(0, index);
    try {
      const pages = client.searchPaginated(baseDn, {
        scope: 'sub',
        filter: search.filter,
        attributes: [...search.attributes],
        explicitBufferAttributes: [...(search.binaryAttributes ?? [])],
        paged: { pageSize: ldap.pageSize },
      });
      for await (const page of pages) {
        const entries = page.searchEntries.filter((entry) => !isInSubtree(entry.dn, earlierBases) && !isInSubtree(entry.dn, ldap.excludeDns));
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

/**
 * OpenLDAP's contextCSN values of the naming contexts holding the configured base DNs (kept by the
 * syncprov overlay), read before a search as the server's change clock; empty where the server
 * keeps none or hides them.
 */
export async function readContextCsns(client: Client, baseDns: readonly string[]): Promise<string[]> {
  const normalize = (dn: string) => dn.toLowerCase().replace(/\s*,\s*/g, ',');
  const dse = await readRootDse(client, ['namingContexts']).catch(() => undefined);
  const contexts = dse ? allValues(dse, 'namingContexts') : [];
  const roots = contexts.filter((context) => baseDns.some((base) => normalize(base) === normalize(context) || normalize(base).endsWith(`,${normalize(context)}`)));
  const csns: string[] = [];
  for (const root of roots) {
    try {
      const { searchEntries } = await client.search(root, { scope: 'base', filter: '(objectClass=*)', attributes: ['contextCSN'] });
      if (searchEntries[0]) csns.push(...allValues(searchEntries[0], 'contextCSN'));
    } catch {
      // Not readable by this account: the agent falls back to its own clock.
    }
  }
  return csns;
}

function allValues(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (!key || key === 'dn') return [];
  const value = entry[key];
  return (Array.isArray(value) ? value : [value]).map((item) => (Buffer.isBuffer(item) ? item.toString('utf8') : String(item)));
}
