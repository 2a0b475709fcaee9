import { createHmac, hkdfSync } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import type { Db } from '../../core/db/database.ts';
import { clearFailures, readFailures, recordFailure } from '../../core/db/throttle-counters.ts';

/**
 * Sign-in throttling, modelled on AD FS extranet smart lockout. Counters, all in the database so
 * every node sees the same counts, each allowed `accountLimit` (or `addressLimit`) failures a window:
 * - `address:<ip>`: every failure from one client address (password spraying);
 * - `password-familiar:<name>` / `password-unfamiliar:<name>`: wrong passwords for one user name,
 *   split by whether the client address is one the account has completed a sign-in from, so an
 *   attacker elsewhere fills only the unfamiliar counter and the real user keeps signing in;
 * - `second-factor:<user id>`: wrong TOTP codes for one account, across sign-in requests. A password
 *   success never clears it (only a successful TOTP step or `lanyard user unlock`), or re-entering a
 *   known password would buy fresh guesses.
 * `<name>` is a keyed hash of the normalised user name, not a user id: a name that matches no account
 * is counted and locked exactly like one that does, so the lockout answer tells nothing.
 */
export interface ThrottleSettings {
  readonly accountLimit: number;
  readonly addressLimit: number;
  readonly windowSeconds: number;
}

/** One password attempt: where from, for which name, and whether that address is familiar for it. */
export interface PasswordAttempt {
  readonly clientAddress: string;
  readonly accountName: AccountName;
  readonly familiar: boolean;
}

/** One TOTP attempt, for the account whose password step the request holds. */
export interface SecondFactorAttempt {
  readonly clientAddress: string;
  readonly userId: string;
}

/** A user name as the counters know it: a keyed hash, so the table holds no list of tried names. */
export type AccountName = string & { readonly brand: 'AccountName' };

/** The key for `accountNameHash`, derived from the master key so every node (and the CLI) agrees. */
export function accountNameKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'lanyard sign-in account names v1', 32));
}

/** The counter name for what a person typed as user name (trimmed, lower-case, as it is looked up). */
export function accountNameHash(key: Buffer, username: string): AccountName {
  return createHmac('sha256', key).update(normaliseUsername(username)).digest('base64url') as AccountName;
}

/** The user name as the sign-in form looks it up: trimmed, lower-case, at most 256 characters. */
export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase().slice(0, 256);
}

const addressKey = (address: string) => `address:${address}`;
const passwordKey = (name: AccountName, familiar: boolean) => `${familiar ? 'password-familiar' : 'password-unfamiliar'}:${name}`;
const secondFactorKey = (userId: string) => `second-factor:${userId}`;

/**
 * Refuses a password attempt whose address, or whose name's counter for this kind of address, has used
 * up its failures (SIGNIN_THROTTLED, 429, with the seconds until it may try again). Checked before the
 * password is looked at, so a throttled guess costs the attacker nothing useful.
 */
export async function assertPasswordAllowed(db: Db, settings: ThrottleSettings, attempt: PasswordAttempt, now: Date = new Date()): Promise<void> {
  await assertUnderLimits(db, settings, [
    [addressKey(attempt.clientAddress), settings.addressLimit, 'address'],
    [passwordKey(attempt.accountName, attempt.familiar), settings.accountLimit, 'account'],
  ], now);
}

export async function recordPasswordFailure(db: Db, settings: ThrottleSettings, attempt: PasswordAttempt, now: Date = new Date()): Promise<void> {
  await recordFailure(db, addressKey(attempt.clientAddress), settings.windowSeconds, now);
  await recordFailure(db, passwordKey(attempt.accountName, attempt.familiar), settings.windowSeconds, now);
}

/** After the right password the name's count for this kind of address starts over; the address's does not (spraying). */
export async function clearPasswordFailures(db: Db, attempt: PasswordAttempt): Promise<void> {
  await clearFailures(db, passwordKey(attempt.accountName, attempt.familiar));
}

export async function assertSecondFactorAllowed(db: Db, settings: ThrottleSettings, attempt: SecondFactorAttempt, now: Date = new Date()): Promise<void> {
  await assertUnderLimits(db, settings, [
    [addressKey(attempt.clientAddress), settings.addressLimit, 'address'],
    [secondFactorKey(attempt.userId), settings.accountLimit, 'account'],
  ], now);
}

export async function recordSecondFactorFailure(db: Db, settings: ThrottleSettings, attempt: SecondFactorAttempt, now: Date = new Date()): Promise<void> {
  await recordFailure(db, addressKey(attempt.clientAddress), settings.windowSeconds, now);
  await recordFailure(db, secondFactorKey(attempt.userId), settings.windowSeconds, now);
}

export async function clearSecondFactorFailures(db: Db, userId: string): Promise<void> {
  await clearFailures(db, secondFactorKey(userId));
}

/** Clears every per-account counter of one account (admin unlock); address counters stay. */
export async function clearAccountCounters(db: Db, name: AccountName, userId: string): Promise<void> {
  for (const key of [passwordKey(name, true), passwordKey(name, false), secondFactorKey(userId)]) await clearFailures(db, key);
}

async function assertUnderLimits(db: Db, settings: ThrottleSettings, checks: ReadonlyArray<[string, number, 'address' | 'account']>, now: Date): Promise<void> {
  for (const [key, limit, scope] of checks) {
    const { failures, windowEndsAt } = await readFailures(db, key, settings.windowSeconds, now);
    if (failures >= limit && windowEndsAt) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000));
      throw new LanyardError(
        'SIGNIN_THROTTLED',
        `Too many failed attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`,
        { retryAfterSeconds, scope },
);
    }
  }
}
