import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Agent keys: `lya.<agent id>.<43 characters of randomness>`. The id lets the server find the agent
 * row without a lookup by secret; only the SHA-256 of the whole key is stored, and it is compared
 * in constant time. A plain hash (not a slow one) is right here because the key carries 256 bits of
 * randomness: there is nothing to brute-force.
 *
 * @example
 *   const key = newAgentKey(agentId);           // shown once to the admin
 *   keyMatches(key, hashAgentKey(key));         // → true
 */
export function newAgentKey(agentId: string): string {
  return `lya.${agentId}.${randomBytes(32).toString('base64url')}`;
}

export function hashAgentKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The agent id inside a well-formed key, or undefined. */
export function agentIdOfKey(key: string): string | undefined {
  const match = /^lya\.([0-9a-f-]{36})\.[A-Za-z0-9_-]{43}$/.exec(key);
  return match?.[1];
}

export function keyMatches(key: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashAgentKey(key), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
