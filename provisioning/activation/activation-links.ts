import { createHash, randomBytes } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { replaceActivationToken } from '../data/activation-tokens.ts';
import type { Db } from '../../core/db/database.ts';
import type { User } from '../../core/db/schema.ts';

/** How long an activation link works. */
export const activationLinkDays = 7;

export interface ActivationLink {
  readonly upn: string;
  readonly url: string;
  readonly expiresAt: string;
}

/** The stored form of a token: SHA-256, so a database read yields no usable link. */
export function hashActivationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A new activation link for a pending account (replacing earlier ones). The token (32 random bytes)
 * is in the link only; the database keeps its hash.
 *
 * @example
 *   const { url } = await issueActivationLink(db, config.publicUrl, user, 'cli');
 */
export async function issueActivationLink(db: Db, publicUrl: string, user: User, actor: string, now: Date = new Date()): Promise<ActivationLink> {
  if (user.status !== 'pending') throw new LanyardError('USER_NOT_PENDING', `${user.upn} is ${user.status}; only pending accounts are activated`);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + activationLinkDays * 24 * 3600 * 1000);
  await replaceActivationToken(db, user.id, hashActivationToken(token), expiresAt, now);
  await recordAuditEvent(db, { actor, action: 'user.activation-link', target: user.upn, outcome: 'success' }, now);
  return { upn: user.upn, url: `${publicUrl}/activate/${token}`, expiresAt: expiresAt.toISOString() };
}
