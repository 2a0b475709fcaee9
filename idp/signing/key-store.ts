import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { Db } from '../../core/db/database.ts';
import type { SigningKeyRow } from '../../core/db/schema.ts';
import { findSigningKeyInState, insertSigningKey, listSigningKeys } from '../../core/db/signing-keys.ts';
import { generateSigningKey } from '../keys/signing-key.ts';

/** The key that signs tokens now, decrypted once and kept in memory for the cache period. */
export interface ActiveSigningKey {
  readonly row: SigningKeyRow;
  readonly privateKey: KeyObject;
  readonly certificateDer: Buffer;
  readonly certificateBase64: string;
}

export interface SigningKeyStore {
  /** The current signing key; throws SIGNING_KEY_MISSING when none exists. */
  current(): Promise<ActiveSigningKey>;
  /** Certificates to publish and trust: current, next when staged, previous while it is being retired. */
  published(): Promise<{ current: SigningKeyRow; next: SigningKeyRow | undefined; previous: SigningKeyRow | undefined }>;
  /** Creates the first key on a new installation. Idempotent. */
  ensureCurrent(): Promise<SigningKeyRow>;
  /** Drops cached keys (after a rotation in this process). */
  invalidate(): void;
}

/** How long a node reuses the signing keys it read (a rollover step waits this long to be seen everywhere). */
export const signingKeyCacheMilliseconds = 30_000;

/**
 * Nodes share keys through the database. Each node caches the decrypted current key for
 * `cacheMilliseconds` so token signing does no database read or decryption per token; after a
 * rotation on another node this node switches within that period. Entra trusts both the current
 * and the next certificate during a rollover, so the short overlap is harmless.
 */
export function createSigningKeyStore(db: Db, secretBox: SecretBox, options: { cacheMilliseconds?: number } = {}): SigningKeyStore {
  const cacheMilliseconds = options.cacheMilliseconds ?? signingKeyCacheMilliseconds;
  let cached: { key: ActiveSigningKey; loadedAt: number } | undefined;

  async function load(): Promise<ActiveSigningKey> {
    const row = await findSigningKeyInState(db, 'current');
    if (!row) throw new LanyardError('SIGNING_KEY_MISSING', 'no current signing key; start the server once or run `lanyard keys rotate`');
    const der = secretBox.open(row.encryptedPrivateKey, signingKeyContext(row.id));
    const certificateDer = Buffer.from(row.certificate, 'base64');
    return { row, privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), certificateDer, certificateBase64: row.certificate };
  }

  return {
    async current() {
      const now = Date.now();
      if (!cached || now - cached.loadedAt > cacheMilliseconds) cached = { key: await load(), loadedAt: now };
      return cached.key;
    },
    async published() {
      const current = await findSigningKeyInState(db, 'current');
      if (!current) throw new LanyardError('SIGNING_KEY_MISSING', 'no current signing key');
      return { current, next: await findSigningKeyInState(db, 'next'), previous: await findSigningKeyInState(db, 'previous') };
    },
    async ensureCurrent() {
      const existing = await findSigningKeyInState(db, 'current');
      if (existing) return existing;
      const row = await createSigningKeyRow(db, secretBox, 'current');
      cached = undefined;
      return row;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** Generates a key pair and certificate and stores it encrypted in the given state. */
export async function createSigningKeyRow(db: Db, secretBox: SecretBox, state: 'current' | 'next', now: Date = new Date()): Promise<SigningKeyRow> {
  const row = await generateSigningKeyRow(secretBox, state, now);
  await insertSigningKey(db, row);
  return row;
}

/** A new key pair and certificate as a row, encrypted, not yet stored (so it can be published first). */
export async function generateSigningKeyRow(secretBox: SecretBox, state: 'current' | 'next', now: Date = new Date()): Promise<SigningKeyRow> {
  const generated = await generateSigningKey({ now });
  const id = randomUUID();
  const row: SigningKeyRow = {
    id,
    state,
    encryptedPrivateKey: secretBox.seal(generated.privateKeyPkcs8Der, signingKeyContext(id)),
    certificate: generated.certificateDer.toString('base64'),
    thumbprint: generated.thumbprintSha256Hex,
    notBefore: generated.notBefore.toISOString(),
    notAfter: generated.notAfter.toISOString(),
    createdAt: now.toISOString(),
    activatedAt: state === 'current' ? now.toISOString() : null,
    retiredAt: null,
  };
  return row;
}

export { listSigningKeys };

function signingKeyContext(id: string): string {
  return `signing-key:${id}`;
}
