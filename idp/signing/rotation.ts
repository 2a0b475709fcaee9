import type { SecretBox } from '../../core/secret-box.ts';
import { LanyardError } from '../../core/errors.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import type { SigningKeyRow } from '../../core/db/schema.ts';
import { findSigningKeyInState, insertSigningKey, setSigningKeyState } from '../../core/db/signing-keys.ts';
import { createSigningKeyRow, generateSigningKeyRow, signingKeyCacheMilliseconds } from './key-store.ts';

export type RotationStep = 'create-next' | 'activate' | 'retire-previous';

export interface RotationResult {
  readonly step: RotationStep;
  readonly key: SigningKeyRow;
  readonly message: string;
  /** What the publisher reported (e.g. the federated domains updated), when one was given. */
  readonly published?: unknown;
}

/**
 * The certificates a relying party must trust for a set of keys: the one that signs now, and the one
 * that signs next (a staged key) or signed until just now (a previous key, for tokens in flight).
 * This is Graph's signingCertificate / nextSigningCertificate pair.
 */
export interface TrustedCertificates {
  readonly signingCertificate: string;
  readonly nextSigningCertificate: string | null;
}

export function trustedCertificates(keys: { current: SigningKeyRow; next?: SigningKeyRow | undefined; previous?: SigningKeyRow | undefined }): TrustedCertificates {
  return { signingCertificate: keys.current.certificate, nextSigningCertificate: (keys.next ?? keys.previous)?.certificate ?? null };
}

/**
 * Tells relying parties (Microsoft 365's federated domains) which certificates to trust after a
 * step. Called before the step changes anything locally; when it throws, the step stops there.
 */
export type TrustPublisher = (certificates: TrustedCertificates, step: RotationStep) => Promise<unknown>;

/**
 * Zero-downtime signing-key rollover, one step per call, so each step can wait until Microsoft
 * has picked up the previous one:
 *   1. create-next: a new key is published (metadata, Graph nextSigningCertificate) but does not sign;
 *   2. activate: the next key signs; the old one becomes "previous", still trusted for tokens in flight;
 *   3. retire-previous: the old key is withdrawn everywhere.
 * The step is chosen from the keys' states, so running the command again always moves forward.
 * With `publish`, each step first pushes the trust it ends in (create-next: current + new next;
 * activate: new + old, the same pair swapped; retire-previous: new alone), then switches locally:
 * at every moment Microsoft trusts the key Lanyard signs with, and a failed push changes nothing here.
 */
export async function rotateSigningKeys(
  db: Db,
  secretBox: SecretBox,
  actor: string,
  now: Date = new Date(),
  options: { publish?: TrustPublisher; force?: boolean } = {},
): Promise<RotationResult> {
  const next = await findSigningKeyInState(db, 'next');
  // An installation that never served yet has no key: the rollover starts from a first one.
  const current = (await findSigningKeyInState(db, 'current')) ?? (await createSigningKeyRow(db, secretBox, 'current', now));
  const previous = await findSigningKeyInState(db, 'previous');
  const publish = async (certificates: TrustedCertificates, step: RotationStep) => {
    try {
      return await options.publish?.(certificates, step);
    } catch (error) {
      await recordAuditEvent(db, { actor, action: `keys.${step}`, target: current.thumbprint, outcome: 'failure', reason: (error as { code?: string }).code ?? 'PUBLISH_FAILED' });
      throw error;
    }
  };
  let result: RotationResult;
  if (next) {
    const published = await publish(trustedCertificates({ current: next, previous: current }), 'activate');
    await db.transaction().execute(async (trx) => {
      await setSigningKeyState(trx, current.id, 'previous');
      await setSigningKeyState(trx, next.id, 'current', { activatedAt: now.toISOString() });
    });
    result = { step: 'activate', key: { ...next, state: 'current' }, published, message: 'next key now signs tokens; the old key stays trusted until you run `keys rotate` again to retire it' };
  } else if (previous) {
    assertCachesSettled(current.activatedAt, now, options.force === true);
    const published = await publish(trustedCertificates({ current }), 'retire-previous');
    await setSigningKeyState(db, previous.id, 'retired', { retiredAt: now.toISOString() });
    result = { step: 'retire-previous', key: { ...previous, state: 'retired' }, published, message: 'previous key retired' };
  } else {
    const key = await generateSigningKeyRow(secretBox, 'next', now);
    const published = await publish(trustedCertificates({ current, next: key }), 'create-next');
    await insertSigningKey(db, key);
    result = { step: 'create-next', key, published, message: 'next key created and published; run `keys rotate` again once Microsoft trusts it' };
  }
  await recordAuditEvent(db, { actor, action: `keys.${result.step}`, target: result.key.thumbprint, outcome: 'success' });
  return result;
}

/**
 * Every node caches its signing key (`signingKeyCacheMilliseconds`), and a running server is a
 * different process from the CLI: until those caches have expired since the activation, some node
 * may still sign with the previous key, so retiring it earlier would make Microsoft refuse those
 * tokens. `force` is for installations where no node is serving.
 */
/** How long after an activation the previous key may be retired (every node's cache has expired). */
export const previousKeySettleMilliseconds = signingKeyCacheMilliseconds + 5_000;

function assertCachesSettled(activatedAt: string | null, now: Date, force: boolean): void {
  if (force || activatedAt === null) return;
  const settleMilliseconds = previousKeySettleMilliseconds;
  const waited = now.getTime() - Date.parse(activatedAt);
  if (waited >= settleMilliseconds) return;
  const retryAfterSeconds = Math.ceil((settleMilliseconds - waited) / 1000);
  throw new LanyardError(
    'KEY_ROTATION_TOO_SOON',
    `the current key was activated ${Math.floor(waited / 1000)} s ago and nodes cache signing keys for ${signingKeyCacheMilliseconds / 1000} s: run \`keys rotate\` again in ${retryAfterSeconds} s to retire the previous key (or pass --force if no node is serving)`,
    { retryAfterSeconds },
);
}
