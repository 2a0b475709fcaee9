import { randomUUID } from 'node:crypto';
import type { Db } from './database.ts';
import type { MfaCredential } from './schema.ts';

export async function findMfaCredential(db: Db, userId: string): Promise<MfaCredential | undefined> {
  return db.selectFrom('mfaCredentials').selectAll().where('userId', '=', userId).executeTakeFirst();
}

/**
 * Replaces the user's TOTP credential (a new enrolment invalidates the old seed). Confirmed enrolments
 * (admin-side, with the seed handed over out of band) pass `confirmed: true`.
 */
export async function replaceMfaCredential(
  db: Db,
  userId: string,
  encryptedSecret: string,
  options: { confirmed: boolean; now?: Date },
): Promise<MfaCredential> {
  const now = (options.now ?? new Date()).toISOString();
  const credential: MfaCredential = {
    id: randomUUID(),
    userId,
    encryptedSecret,
    lastUsedStep: null,
    confirmedAt: options.confirmed ? now : null,
    createdAt: now,
  };
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('mfaCredentials').where('userId', '=', userId).execute();
    await trx.insertInto('mfaCredentials').values(credential).execute();
  });
  return credential;
}

/**
 * Atomically records `step` as used. Succeeds only when no equal or later step was accepted before,
 * so a code is accepted once per credential even with several nodes racing on one PostgreSQL: the
 * conditional UPDATE is the arbiter, not a read-then-write in application code.
 */
export async function claimTotpStep(db: Db, credentialId: string, step: number, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('mfaCredentials')
    .set((eb) => ({
      lastUsedStep: step,
      confirmedAt: eb.fn.coalesce('confirmedAt', eb.val(now.toISOString())),
    }))
    .where('id', '=', credentialId)
    .where((eb) => eb.or([eb('lastUsedStep', 'is', null), eb('lastUsedStep', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

