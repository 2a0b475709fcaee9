import type { Entry } from 'ldapts';
import { anchorFromGuidBytes, anchorFromText } from './anchor.ts';
import type { AgentConfig } from './config.ts';
import { usageLocationOrNull } from '../core/usage-location.ts';
import { attributeValue } from './ldap/scope.ts';
import type { DirectoryEntry, RejectedEntry } from './protocol.ts';

/**
 * Turns an LDAP entry into the account Lanyard stores, by the configured attribute mapping.
 * Entries without the anchor or the UPN attribute are rejected with a code, never guessed.
 *
 * @example
 *   const mapped = mapEntry(entry, config.mapping);
 *   if ('rejected' in mapped) log(mapped.rejected.code); else push(mapped.entry);
 */
export type MappedEntry = { readonly entry: DirectoryEntry } | { readonly rejected: RejectedEntry };

type Mapping = AgentConfig['mapping'];

/** AD stores its GUID anchors as 16 raw bytes; entryUUID is text. */
export function isBinaryAnchor(mapping: Mapping): boolean {
  return mapping.sourceAnchor !== 'entryUUID';
}

/** Active Directory's userAccountControl flag for a disabled account (ADS_UF_ACCOUNTDISABLE). */
const accountDisabledFlag = 0x2;

/** Attributes to request for a full entry (on AD, also userAccountControl for the disabled flag). */
export function entryAttributes(mapping: Mapping, extra: readonly string[] = []): string[] {
  const activeDirectory = isBinaryAnchor(mapping) ? ['userAccountControl'] : [];
  const names = [mapping.sourceAnchor, mapping.upn, mapping.displayName, mapping.givenName, mapping.surname, mapping.mail, mapping.usageLocation, ...activeDirectory, ...extra];
  return [...new Set(names.filter((name): name is string => Boolean(name)))];
}

/** The anchor of an entry in canonical GUID text, or undefined when missing or malformed. */
export function readAnchor(entry: Entry, mapping: Mapping): string | undefined {
  const value = attributeValue(entry, mapping.sourceAnchor);
  if (value === undefined) return undefined;
  try {
    if (isBinaryAnchor(mapping)) return Buffer.isBuffer(value) ? anchorFromGuidBytes(value) : undefined;
    return anchorFromText(Buffer.isBuffer(value) ? value.toString('utf8') : value);
  } catch {
    return undefined;
  }
}

export function mapEntry(entry: Entry, mapping: Mapping): MappedEntry {
  const anchor = readAnchor(entry, mapping);
  if (!anchor) {
    return { rejected: { dn: entry.dn, code: 'SYNC_ANCHOR_MISSING', message: `entry has no usable ${mapping.sourceAnchor} (the source anchor)` } };
  }
  const upnValue = text(entry, mapping.upn);
  if (!upnValue) {
    return { rejected: { dn: entry.dn, code: 'SYNC_UPN_MISSING', message: `entry has no ${mapping.upn} attribute to build the UPN from` } };
  }
  const upn = (mapping.upnSuffix ? `${upnValue}@${mapping.upnSuffix}` : upnValue).toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(upn) || upn.length > 256) {
    return { rejected: { dn: entry.dn, code: 'SYNC_UPN_INVALID', message: `"${upn}" (from ${mapping.upn}) is not a user principal name` } };
  }
  return {
    entry: {
      anchor,
      dn: entry.dn,
      upn,
      displayName: optional(entry, mapping.displayName),
      givenName: optional(entry, mapping.givenName),
      surname: optional(entry, mapping.surname),
      mail: optional(entry, mapping.mail)?.toLowerCase() ?? null,
      // Not a country code (e.g. a country's name): left out, so the organization's default applies.
      usageLocation: usageLocationOrNull(optional(entry, mapping.usageLocation)),
      enabled: !isDisabledInActiveDirectory(entry),
    },
  };
}

/**
 * An AD account disabled in the directory is disabled in Lanyard too (Entra Connect syncs it as
 * accountEnabled false). Directories without userAccountControl have no such flag: enabled.
 */
function isDisabledInActiveDirectory(entry: Entry): boolean {
  const value = text(entry, 'userAccountControl');
  if (value === undefined || !/^\d+$/.test(value)) return false;
  return (Number(value) & accountDisabledFlag) !== 0;
}

function text(entry: Entry, name: string): string | undefined {
  const value = attributeValue(entry, name);
  if (value === undefined) return undefined;
  const result = (Buffer.isBuffer(value) ? value.toString('utf8') : value).trim();
  return result.length > 0 ? result.slice(0, 256) : undefined;
}

function optional(entry: Entry, name: string | null): string | null {
  return name ? (text(entry, name) ?? null) : null;
}
