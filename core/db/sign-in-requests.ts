import { sql, type Insertable } from 'kysely';
import type { Db } from './database.ts';
import type { SignInRequest, SignInRequestsTable } from './schema.ts';

/**
 * A sign-in request is a small state machine (started → password → MFA → completed). Every step is a
 * compare-and-set on the exact state the caller read and verified (`id`, `version`, and the user where
 * it matters): a step checked against one state can never land on another, even when two requests on
 * the same id interleave on two nodes. Each step bumps `version`.
 */
export type NewSignInRequest = Insertable<SignInRequestsTable>;

/** The state a step was verified against: what the caller read before it checked anything. */
export type ExpectedSignInState = Pick<SignInRequest, 'id' | 'version'>;

/** What a verified second factor proves: whose code, from which credential, for which time step. */
export interface MfaProof {
  readonly userId: string;
  readonly credentialId: string;
  readonly step: number;
}

export async function insertSignInRequest(db: Db, request: NewSignInRequest): Promise<void> {
  await db.insertInto('signInRequests').values(request).execute();
}

/** An open (not completed, not expired) sign-in request, or undefined. */
export async function findOpenSignInRequest(db: Db, id: string, now: Date = new Date()): Promise<SignInRequest | undefined> {
  return db
    .selectFrom('signInRequests')
    .selectAll()
    .where('id', '=', id)
    .where('completedAt', 'is', null)
    .where('expiresAt', '>', now.toISOString())
    .executeTakeFirst();
}

/**
 * Records who passed the password step, on a request that has no user yet and is still in the state
 * read. False when the request changed meanwhile (another step, completion): nothing is written.
 *
 * @example
 *   if (!(await recordPasswordStep(db, row, user.id, now))) throw conflict;
 */
export async function recordPasswordStep(db: Db, expected: ExpectedSignInState, userId: string, passwordAt: string): Promise<boolean> {
  const result = await db
    .updateTable('signInRequests')
    .set({ userId, passwordAt, mfaAt: null, mfaCredentialId: null, version: sql<number>`version + 1` })
    .where('id', '=', expected.id)
    .where('version', '=', expected.version)
    .where('userId', 'is', null)
    .where('completedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records the MFA step, only when the request still belongs to the user whose code was verified, is
 * in the state read before the code was checked, and that credential is still the user's. A proof
 * for one user can therefore never mark another user's password step as MFA-verified.
 */
export async function recordMfaStep(db: Db, expected: ExpectedSignInState, proof: MfaProof, mfaAt: string): Promise<boolean> {
  const result = await db
    .updateTable('signInRequests')
    .set({ mfaAt, mfaCredentialId: proof.credentialId, version: sql<number>`version + 1` })
    .where('id', '=', expected.id)
    .where('version', '=', expected.version)
    .where('userId', '=', proof.userId)
    .where('passwordAt', 'is not', null)
    .where('completedAt', 'is', null)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('mfaCredentials').select('id').where('id', '=', proof.credentialId).where('userId', '=', proof.userId)),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Marks the request completed, consuming exactly the state read (and verified) by the caller. Only the
 * first caller wins, and only if no step slipped in since the read, so one sign-in request yields at
 * most one token, for the state that was checked, even with two nodes.
 */
export async function completeSignInRequest(db: Db, expected: ExpectedSignInState, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('signInRequests')
    .set({ completedAt: now.toISOString(), version: sql<number>`version + 1` })
    .where('id', '=', expected.id)
    .where('version', '=', expected.version)
    .where('completedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Closes the open request `supersededId` and opens `replacement` in its place, in one transaction.
 * False (and nothing written) when `supersededId` was completed meanwhile. Closing ends any step in
 * flight on the old request: its compare-and-set no longer finds the state it read.
 */
export async function replaceSignInRequest(db: Db, supersededId: string, replacement: NewSignInRequest, now: Date = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const closed = await trx
      .updateTable('signInRequests')
      .set({ completedAt: now.toISOString(), version: sql<number>`version + 1` })
      .where('id', '=', supersededId)
      .where('completedAt', 'is', null)
      .executeTakeFirst();
    if (Number(closed.numUpdatedRows) !== 1) return false;
    await trx.insertInto('signInRequests').values(replacement).execute();
    return true;
  });
}

/** Housekeeping: removes requests that expired before `before`. */
export async function deleteExpiredSignInRequests(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('signInRequests').where('expiresAt', '<', before.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
