import type { Entry } from 'ldapts';
import { attributeValue } from './ldap/scope.ts';

/**
 * Delta sync without server-side sync controls (ldapts has no RFC 4533 control, AD has no
 * entryCSN): a high-water mark of the change counter the server keeps on every entry.
 *
 * - `modifyTimestamp` (OpenLDAP and most servers): the highest modifyTimestamp seen. The next run
 *   asks for `>=` that value, because the attribute has one-second resolution and another change in
 *   the same second may commit after our search; re-reading that second's entries is harmless
 *   (unchanged upserts). Moves and renames (modrdn) update modifyTimestamp too.
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

/** The checkpoint to store after a successful run. */
export function nextCheckpoint(
  tracking: ChangeTracking,
  previous: Checkpoint | null,
  observed: { timestampMark?: string | null; highestCommittedUsn?: string | null; server?: string | null },
): Checkpoint | null {
  if (tracking === 'uSNChanged') {
    const usn = observed.highestCommittedUsn;
    if (!usn || !/^\d+$/.test(usn)) return previous;
    return { tracking, value: usn, server: observed.server ?? null };
  }
  const mark = observed.timestampMark ?? null;
  if (mark === null) return previous;
  if (previous && previous.tracking === tracking && previous.value > mark) return previous;
  return { tracking, value: mark, server: null };
}

/** Whether a stored checkpoint can drive a delta run against this server. */
export function canResume(checkpoint: Checkpoint | null, tracking: ChangeTracking, server: string | null): checkpoint is Checkpoint {
  if (!checkpoint || checkpoint.tracking !== tracking) return false;
  return tracking !== 'uSNChanged' || checkpoint.server === server;
}
