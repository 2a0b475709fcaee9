import { LanyardError } from '../../core/errors.ts';
import type { Db } from '../../db/database.ts';
import { clearFailures, readFailures, recordFailure } from '../../db/throttle-counters.ts';

export interface ThrottleSettings {
  readonly accountLimit: number;
  readonly addressLimit: number;
  readonly windowSeconds: number;
}

export interface ThrottleSubject {
  readonly clientAddress: string;
  readonly userId?: string | undefined;
}

const accountKey = (userId: string) => `account:${userId}`;
const addressKey = (address: string) => `address:${address}`;

/**
 * Refuses the attempt when the account or the client address has used up its failures in the
 * current window (SIGNIN_THROTTLED, 429, with the seconds until it may try again). Checked before
 * the password or code is looked at, so a throttled guess costs the attacker nothing useful.
 */
export async function assertNotThrottled(db: Db, settings: ThrottleSettings, subject: ThrottleSubject, now: Date = new Date()): Promise<void> {
  const checks: Array<[string, number]> = [[addressKey(subject.clientAddress), settings.addressLimit]];
  if (subject.userId) checks.push([accountKey(subject.userId), settings.accountLimit]);
  for (const [key, limit] of checks) {
    const { failures, windowEndsAt } = await readFailures(db, key, settings.windowSeconds, now);
    if (failures >= limit && windowEndsAt) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000));
      throw new LanyardError(
        'SIGNIN_THROTTLED',
        `Too many failed attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`,
        429,
        { retryAfterSeconds, scope: key.split(':')[0] },
      );
    }
  }
}

export async function recordSignInFailure(db: Db, settings: ThrottleSettings, subject: ThrottleSubject, now: Date = new Date()): Promise<void> {
  await recordFailure(db, addressKey(subject.clientAddress), settings.windowSeconds, now);
  if (subject.userId) await recordFailure(db, accountKey(subject.userId), settings.windowSeconds, now);
}

/** After a successful step the account's count starts over; the address's does not (spraying). */
export async function clearAccountFailures(db: Db, userId: string): Promise<void> {
  await clearFailures(db, accountKey(userId));
}
