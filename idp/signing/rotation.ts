import type { SecretBox } from '../../common/secret-box.ts';
import { recordAuditEvent } from '../../db/audit-events.ts';
import type { Db } from '../../db/database.ts';
import type { SigningKeyRow } from '../../db/schema.ts';
import { findSigningKeyInState, setSigningKeyState } from '../../db/signing-keys.ts';
import { createSigningKeyRow } from './key-store.ts';

export type RotationStep = 'create-next' | 'activate' | 'retire-previous';

export interface RotationResult {
  readonly step: RotationStep;
  readonly key: SigningKeyRow;
  readonly message: string;
}

/**
 * Zero-downtime signing-key rollover, one step per call, so each step can wait until Microsoft
 * has picked up the previous one:
 *   1. create-next: a new key is published (metadata, Graph nextSigningCertificate) but does not sign;
 *   2. activate: the next key signs; the old one becomes "previous", still trusted for tokens in flight;
 *   3. retire-previous: the old key is withdrawn everywhere.
 * The step is chosen from the keys' states, so running the command again always moves forward.
 */
export async function rotateSigningKeys(db: Db, secretBox: SecretBox, actor: string, now: Date = new Date()): Promise<RotationResult> {
  const next = await findSigningKeyInState(db, 'next');
  // An installation that never served yet has no key: the rollover starts from a first one.
  const current = (await findSigningKeyInState(db, 'current')) ?? (await createSigningKeyRow(db, secretBox, 'current', now));
  const previous = await findSigningKeyInState(db, 'previous');
  let result: RotationResult;
  if (next) {
    await db.transaction().execute(async (trx) => {
      await setSigningKeyState(trx, current.id, 'previous');
      await setSigningKeyState(trx, next.id, 'current', { activatedAt: now.toISOString() });
    });
    result = { step: 'activate', key: { ...next, state: 'current' }, message: 'next key now signs tokens; the old key stays trusted until you run `keys rotate` again to retire it' };
  } else if (previous) {
    await setSigningKeyState(db, previous.id, 'retired', { retiredAt: now.toISOString() });
    result = { step: 'retire-previous', key: { ...previous, state: 'retired' }, message: 'previous key retired' };
  } else {
    const key = await createSigningKeyRow(db, secretBox, 'next', now);
    result = { step: 'create-next', key, message: 'next key created and published; run `keys rotate` again once Microsoft trusts it' };
  }
  await recordAuditEvent(db, { actor, action: `keys.${result.step}`, target: result.key.thumbprint, outcome: 'success' });
  return result;
}
