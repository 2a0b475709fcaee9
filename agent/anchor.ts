import { LanyardError } from '../core/errors.ts';

/**
 * Source anchors and immutable IDs. Every supported anchor is a 128-bit GUID:
 *
 * - AD `objectGUID` and `mS-DS-ConsistencyGuid` are stored as the 16 bytes of .NET's
 *   `Guid.ToByteArray()` (first three fields little-endian, last eight bytes as written). Entra
 *   Connect's sourceAnchor / onPremisesImmutableId is `Convert.ToBase64String(those bytes)`.
 * - OpenLDAP `entryUUID` is RFC 4122 text. We treat it as the text form of a GUID and produce the
 *   bytes .NET would (`new Guid(text).ToByteArray()`), so an OpenLDAP user's immutable ID has the
 *   same shape as an Entra Connect anchor, and a user moved between an AD whose objectGUID has the
 *   same text keeps the same immutable ID.
 *
 * `users.external_id` keeps the anchor in canonical GUID text (lower case), which is also how the
 * agent finds the entry again (pass-through sign-in).
 *
 * @example
 *   immutableIdFromAnchor('3ab39606-c642-489b-84b6-58c038d3ef39'); // → 'BpazOkLGm0iEtljAONPvOQ=='
 *   anchorFromGuidBytes(Buffer.from('BpazOkLGm0iEtljAONPvOQ==', 'base64')); // → '3ab39606-…'
 */
const guidText = /^\{?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\}?$/;

/** The 16 bytes .NET's `Guid.ToByteArray()` returns for GUID text (what AD stores in objectGUID). */
export function guidBytesFromText(text: string): Buffer {
  const match = guidText.exec(text.trim());
  if (!match) throw new LanyardError('SYNC_ANCHOR_INVALID', `"${text}" is not a GUID`);
  const [, data1, data2, data3, data4a, data4b] = match as unknown as [string, string, string, string, string, string];
  return Buffer.concat([
    Buffer.from(data1, 'hex').reverse(),
    Buffer.from(data2, 'hex').reverse(),
    Buffer.from(data3, 'hex').reverse(),
    Buffer.from(data4a + data4b, 'hex'),
  ]);
}

/** Canonical lower-case GUID text of 16 stored bytes (what `new Guid(bytes).ToString()` prints). */
export function anchorFromGuidBytes(bytes: Buffer): string {
  if (bytes.length !== 16) throw new LanyardError('SYNC_ANCHOR_INVALID', `a GUID anchor has 16 bytes, got ${bytes.length}`);
  const hex = (start: number, end: number, reverse: boolean) => {
    const part = Buffer.from(bytes.subarray(start, end));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** Canonical lower-case GUID text of an entryUUID (or any GUID text). */
export function anchorFromText(text: string): string {
  return anchorFromGuidBytes(guidBytesFromText(text));
}

/** Entra's immutable ID for an anchor: base64 of the .NET GUID bytes. */
export function immutableIdFromAnchor(anchor: string): string {
  return guidBytesFromText(anchor).toString('base64');
}

/** An LDAP filter value matching the anchor: text for entryUUID, escaped bytes for AD GUIDs. */
export function anchorFilterValue(anchor: string, binary: boolean): string {
  if (!binary) return anchorFromText(anchor);
  return [...guidBytesFromText(anchor)].map((byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');
}
