import type { Entry } from 'ldapts';
import { attributeValue } from './ldap/scope.ts';

/**
 * Delta sync without server-side sync controls (ldapts cannot read RFC 4533's intermediate
 * responses and response controls, see agent/README.md "Change feeds"; AD has no entryCSN): a
 * high-water mark of the change counter the server keeps on every entry.
 *
 * - `modifyTimestamp` (OpenLDAP and most servers): the highest modifyTimestamp seen, but never
 *   later than the server's change clock read *before* the search (OpenLDAP's `contextCSN`, kept
 *   by syncprov; else this agent's clock minus a skew allowance). Without that ceiling, an entry
 *   read on an early page and changed while later pages are read would carry a timestamp below
 *   the mark set by a later page, and no delta would ever see that change. The next run asks for
 *   `>=` the mark, because the attribute has one-second resolution and another change in the same
 *   second may commit after our search; re-reading that second's entries is harmless (unchanged
 *   upserts). Moves and renames (modrdn) update modifyTimestamp too.
 * - `uSNChanged` (Active Directory): `highestCommittedUSN` of the root DSE, read *before* the
 *   search, as Microsoft documents for USN-based polling; the next run asks for `uSNChanged >=
 *   mark + 1`. USNs are per domain controller, so the checkpoint records the DC
 *   (`dsServiceName`) and a different DC forces a full sync.
 *
 * @example
 *   deltaFilter('(objectClass=user)', { tracking: 'uSNChanged', value: '12345', server: 'dc1' });
 *   // → '(&(objectClass=user)(uSNChanged>=12346))'
 */
export type ChangeTracking = 'modifyTimestamp' | 'uSNChanged';

export interface Checkpoint {
  readonly tracking: ChangeTracking;
  readonly value: string;
  /** AD: the domain controller the USN belongs to. */
  readonly server: string | null;
}

const generalizedTime = /^\d{14}(\.\d+)?Z$/;

export function deltaFilter(baseFilter: string, checkpoint: Checkpoint): string {
  if (checkpoint.tracking === 'uSNChanged') {
    return `(&${baseFilter}(uSNChanged>=${(BigInt(checkpoint.value) + 1n).toString()}))`;
  }
  return `(&${baseFilter}(modifyTimestamp>=${checkpoint.value}))`;
}

/** The attribute to request with each entry for change tracking. */
export function trackingAttributes(tracking: ChangeTracking): string[] {
  return tracking === 'modifyTimestamp' ? ['modifyTimestamp'] : [];
}

/**
 * Folds one entry into the high-water mark of a modifyTimestamp run. Values compare as text
 * because GeneralizedTime with a fixed layout sorts chronologically.
 */
export function advanceTimestampMark(current: string | null, entry: Entry): string | null {
  const value = attributeValue(entry, 'modifyTimestamp');
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (!text || !generalizedTime.test(text)) return current;
  return current === null || text > current ? text : current;
}

/** How far this agent's clock may be from the directory's, where no contextCSN gives the server's. */
export const clockSkewAllowanceSeconds = 300;

/**
 * The latest modifyTimestamp a run may advance its mark to: the newest change committed before the
 * search began. From OpenLDAP's contextCSN values (`20261130111041.838805Z#000000#000#000000`, one
 * per server id) when the server keeps them; otherwise from `searchStartedAt` minus the skew
 * allowance (a few minutes of changes are then read again by the next delta: harmless).
 */
export function timestampCeiling(contextCsns: readonly string[], searchStartedAt: Date): string {
  const times = contextCsns.map((csn) => /^(\d{14})(?:\.\d+)?Z#/.exec(csn)?.[1]).filter((time): time is string => time !== undefined);
  if (times.length > 0) return `${times.sort().at(-1)}Z`;
  return `${new Date(searchStartedAt.getTime() - clockSkewAllowanceSeconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** The checkpoint to store after a successful run. */
export function nextCheckpoint(
  tracking: ChangeTracking,
  previous: Checkpoint | null,
  observed: { timestampMark?: string | null; timestampCeiling?: string | null; highestCommittedUsn?: string | null; server?: string | null },
): Checkpoint | null {
  if (tracking === 'uSNChanged') {
    const usn = observed.highestCommittedUsn;
    if (!usn || !/^\d+$/.test(usn)) return previous;
    return { tracking, value: usn, server: observed.server ?? null };
  }
  const seen = observed.timestampMark ?? null;
  if (seen === null) return previous;
  const ceiling = observed.timestampCeiling ?? null;
  const mark = ceiling !== null && normalizedTime(seen) > ceiling ? ceiling : seen;
  if (previous && previous.tracking === tracking && previous.value > mark) return previous;
  return { tracking, value: mark, server: null };
}

/** Whether a stored checkpoint can drive a delta run against this server. */
export function canResume(checkpoint: Checkpoint | null, tracking: ChangeTracking, server: string | null): checkpoint is Checkpoint {
  if (!checkpoint || checkpoint.tracking !== tracking) return false;
  return tracking !== 'uSNChanged' || checkpoint.server === server;
}

/** `YYYYMMDDHHMMSS[.fff]Z` → `YYYYMMDDHHMMSSZ`, for comparing with a ceiling. */
function normalizedTime(value: string): string {
  return `${value.slice(0, 14)}Z`;
}
