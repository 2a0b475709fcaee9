import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer keys for machines (directory agents, admin API clients): `<prefix>.<row id>.<43 characters
 * of randomness>`. The id finds the row without a lookup by secret; only the SHA-256 of the whole
 * key is stored, and it is compared in constant time. A plain hash (not a slow one) is right here
 * because the key carries 256 bits of randomness: there is nothing to brute-force.
 *
 * @example
 *   const key = newBearerKey('lyt', tokenId);        // shown once to the admin
 *   bearerKeyMatches(key, hashBearerKey(key));       // → true
 */
export function newBearerKey(prefix: string, id: string): string {
  return `${prefix}.${id}.${randomBytes(32).toString('base64url')}`;
}

export function hashBearerKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The row id inside a well-formed key with this prefix, or undefined. */
export function idOfBearerKey(prefix: string, key: string): string | undefined {
  const match = /^([a-z]+)\.([0-9a-f-]{36})\.[A-Za-z0-9_-]{43}$/.exec(key);
  return match?.[1] === prefix ? match[2] : undefined;
}

export function bearerKeyMatches(key: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashBearerKey(key), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The key of an `Authorization: Bearer <key>` header, or undefined. */
export function bearerKeyOf(authorization: string): string | undefined {
  return /^Bearer ([^\s]+)$/.exec(authorization)?.[1];
}
