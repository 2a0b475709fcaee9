import { randomUUID } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import { countConnectedAgents, listAgentsOfOrganization } from './data/agents.ts';
import type { Db } from '../../core/db/database.ts';
import { deletePassThroughRequest, findPassThroughRequest, insertPassThroughRequest } from './data/pass-through-requests.ts';

/**
 * Pass-through sign-in: the directory checks the password (an LDAP bind by the agent); Lanyard
 * never stores it.
 *
 * Design. Agents connect outbound only, so they long-poll Lanyard for work, and the agent may be
 * holding its poll on a different node than the one that received the sign-in; nodes share
 * nothing but the database. The request therefore goes through a `pass_through_requests` row:
 * - the password is sealed with AES-256-GCM under the master key, bound to the row id (a copied
 *   ciphertext does not open elsewhere), so a database dump or backup never holds a readable
 *   password;
 * - the node serving the agent's poll claims the row with a conditional UPDATE that also clears
 *   the sealed password, so it exists in the database only until an agent picks it up (normally
 *   well under a second), and only one agent gets it;
 * - the answer (valid / invalid / error) comes back into the same row, the asking node reads it
 *   and deletes the row; on timeout it deletes the row itself, and expired rows are swept.
 * We chose one path for both cases rather than an in-memory shortcut when the agent polls the same
 * node: one path is one thing to secure and test, and the sealed copy is already short-lived.
 * The password crosses the wire to the agent inside the poll response (HTTPS) and nowhere else.
 *
 * Sign-ins fail fast and clearly: AGENT_UNAVAILABLE (503) at once when no agent of the
 * organization is listening, or after `timeoutMs` when none answers; AGENT_DIRECTORY_UNAVAILABLE
 * (503) when the agent could not reach its directory. A refused password is `false`.
 *
 * @example
 *   const passThrough = createPassThroughVerifier({ db, masterKey });
 *   const ok = await passThrough.verify(user, password); // true | false, or throws AGENT_UNAVAILABLE
 */
export interface PassThroughUser {
  readonly id: string;
  readonly organizationId: string;
  readonly externalId: string | null;
  readonly upn: string;
}

export interface PassThroughVerifier {
  verify(user: PassThroughUser, password: string): Promise<boolean>;
  availability(organizationId: string): Promise<'none' | 'connected' | 'away'>;
}

export interface PassThroughDeps {
  readonly db: Db;
  readonly masterKey: Buffer;
  readonly logger?: Logger;
  /** How long to wait for an agent's answer (default 5000 ms). */
  readonly timeoutMs?: number;
  /** How often to look for the answer (default 100 ms). */
  readonly pollIntervalMs?: number;
}

/** The AES-GCM context binding a sealed password to its request row. */
export function passThroughContext(requestId: string): string {
  return `pass-through:${requestId}`;
}

export function createPassThroughVerifier(deps: PassThroughDeps): PassThroughVerifier {
  const box = createSecretBox(deps.masterKey);
  const timeoutMs = deps.timeoutMs ?? 5000;
  const pollIntervalMs = deps.pollIntervalMs ?? 100;
  return {
    async availability(organizationId) {
      if ((await countConnectedAgents(deps.db, organizationId)) > 0) return 'connected';
      return (await listAgentsOfOrganization(deps.db, organizationId)).length > 0 ? 'away' : 'none';
    },
    async verify(user, password) {
      if (!user.externalId) throw new LanyardError('PASS_THROUGH_NOT_DIRECTORY_USER', 'this account is not a directory account');
      if (password.length === 0) return false;
      if ((await countConnectedAgents(deps.db, user.organizationId)) === 0) {
        throw new LanyardError('AGENT_UNAVAILABLE', 'Your organization\'s directory cannot be reached right now (no directory agent is connected). Please try again later or contact your administrator.');
      }
      const id = randomUUID();
      const now = new Date();
      await insertPassThroughRequest(deps.db, {
        id, organizationId: user.organizationId, userId: user.id, externalId: user.externalId, upn: user.upn,
        sealedPassword: box.seal(password, passThroughContext(id)),
        createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + timeoutMs).toISOString(),
        claimedByAgentId: null, claimedAt: null, result: null, resultCode: null, answeredAt: null,
      });
      try {
        const deadline = now.getTime() + timeoutMs;
        while (Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
          const row = await findPassThroughRequest(deps.db, id);
          if (!row?.result) continue;
          if (row.result === 'error') {
            deps.logger?.warn('pass-through: the agent could not check the password', { code: row.resultCode, agentId: row.claimedByAgentId });
            throw new LanyardError('AGENT_DIRECTORY_UNAVAILABLE', 'Your organization\'s directory could not check the password right now. Please try again later.', { agentCode: row.resultCode });
          }
          return row.result === 'valid';
        }
        throw new LanyardError('AGENT_UNAVAILABLE', 'Your organization\'s directory did not answer in time. Please try again later or contact your administrator.');
      } finally {
        await deletePassThroughRequest(deps.db, id);
      }
    },
  };
}
