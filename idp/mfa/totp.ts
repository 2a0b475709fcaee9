import { generateSecret, generateURI, verify } from 'otplib';
import { LanyardError, isLanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { Db } from '../../core/db/database.ts';
import { claimTotpStep, findMfaCredential, replaceMfaCredential } from '../../core/db/mfa-credentials.ts';
import type { MfaCredential } from '../../core/db/schema.ts';
import type { MfaProof } from '../../core/db/sign-in-requests.ts';

/** RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30 s steps. */
const periodSeconds = 30;
/** ±1 step of clock drift, and no more. */
const toleranceSeconds = periodSeconds;

export interface TotpEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
  readonly credential: MfaCredential;
}

/**
 * Creates a new TOTP seed for a user (replacing any earlier one), stored encrypted. The returned
 * secret is shown once (QR code or CLI output) and never again.
 *
 * @example
 *   const { otpauthUri } = await enrolTotp(db, box, user, { issuer: 'Contoso', confirmed: false });
 */
export async function enrolTotp(
  db: Db,
  secretBox: SecretBox,
  user: { id: string; upn: string },
  options: { issuer: string; confirmed: boolean },
): Promise<TotpEnrolment> {
  const secret = generateSecret({ length: 20 });
  const credential = await replaceMfaCredential(db, user.id, secretBox.seal(secret, mfaContext(user.id)), { confirmed: options.confirmed });
  return { secret, otpauthUri: otpauthUriFor(options.issuer, user.upn, secret), credential };
}

/**
 * The enrolment a person is in the middle of: the unconfirmed seed shown before (so a mistyped
 * first code does not force a new scan), or a new one. A confirmed credential is never replaced
 * here (TOTP_ALREADY_ENROLLED): only an admin can reset it.
 */
export async function pendingTotpEnrolment(
  db: Db,
  secretBox: SecretBox,
  user: { id: string; upn: string },
  issuer: string,
): Promise<{ secret: string; otpauthUri: string }> {
  const existing = await findMfaCredential(db, user.id);
  if (existing?.confirmedAt) throw new LanyardError('TOTP_ALREADY_ENROLLED', 'An authenticator app is already set up for this account.');
  if (!existing) return enrolTotp(db, secretBox, user, { issuer, confirmed: false });
  const secret = secretBox.open(existing.encryptedSecret, mfaContext(user.id)).toString('utf8');
  return { secret, otpauthUri: otpauthUriFor(issuer, user.upn, secret) };
}

function otpauthUriFor(issuer: string, upn: string, secret: string): string {
  return generateURI({ issuer, label: upn, secret, period: periodSeconds });
}

/**
 * Verifies a code and consumes its time step. Returns the proof (whose code, from which credential,
 * which step), or throws: TOTP_NOT_ENROLLED, TOTP_INVALID (wrong or outside ±1 step), TOTP_REPLAYED
 * (right code, step already used). Verification and consumption are one operation so a caller cannot
 * forget the replay check; the proof is what `recordMfaStep` requires, so the MFA step can only be
 * recorded for the user and credential that were really checked.
 *
 * @example
 *   const proof = await verifyTotpCode(db, box, user.id, '123456');
 *   await recordMfaStep(db, row, proof, now);
 */
export async function verifyTotpCode(
  db: Db,
  secretBox: SecretBox,
  userId: string,
  code: string,
  now: Date = new Date(),
): Promise<MfaProof> {
  const credential = await findMfaCredential(db, userId);
  if (!credential) throw new LanyardError('TOTP_NOT_ENROLLED', 'No authenticator app is set up for this account.');
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) throw new LanyardError('TOTP_INVALID', 'Enter the 6-digit code from your authenticator app.');
  const secret = secretBox.open(credential.encryptedSecret, mfaContext(userId)).toString('utf8');
  const result = await verify({ secret, token, epoch: Math.floor(now.getTime() / 1000), period: periodSeconds, epochTolerance: toleranceSeconds });
  if (!result.valid || !('timeStep' in result)) {
    throw new LanyardError('TOTP_INVALID', 'That code is not right. Check the time on your phone and try again.');
  }
  if (!(await claimTotpStep(db, credential.id, result.timeStep, now))) {
    throw new LanyardError('TOTP_REPLAYED', 'That code was already used. Wait for the next code.');
  }
  return { userId, credentialId: credential.id, step: result.timeStep };
}

/** The refusals of verifyTotpCode: a wrong second factor, counted by the second-factor throttle. */
const secondFactorRefusals: ReadonlySet<string> = new Set(['TOTP_NOT_ENROLLED', 'TOTP_INVALID', 'TOTP_REPLAYED']);

/** True when `error` is verifyTotpCode refusing the code (rather than a fault). */
export function isSecondFactorRefusal(error: unknown): error is LanyardError {
  return isLanyardError(error) && secondFactorRefusals.has(error.code);
}

/** Whether the user has a TOTP credential they have proven (confirmed) possession of. */
export async function hasConfirmedTotp(db: Db, userId: string): Promise<boolean> {
  const credential = await findMfaCredential(db, userId);
  return Boolean(credential?.confirmedAt);
}

function mfaContext(userId: string): string {
  return `mfa-credential:${userId}`;
}
