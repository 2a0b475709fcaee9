import { bearerKeyMatches, hashBearerKey, idOfBearerKey, newBearerKey } from '../../core/bearer-keys.ts';

/**
 * Agent keys: `lya.<agent id>.<randomness>` (see common/bearer-keys.ts for why a SHA-256 is stored).
 *
 * @example
 *   const key = newAgentKey(agentId);           // shown once to the admin
 *   keyMatches(key, hashAgentKey(key));         // → true
 */
export const newAgentKey = (agentId: string): string => newBearerKey('lya', agentId);
export const hashAgentKey = hashBearerKey;
export const agentIdOfKey = (key: string): string | undefined => idOfBearerKey('lya', key);
export const keyMatches = bearerKeyMatches;
