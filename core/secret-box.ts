import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LanyardError } from './errors.ts';

/**
 * Encrypts secrets at rest (signing keys, TOTP seeds, client secrets, refresh tokens) with
 * AES-256-GCM under the master key. Stored form: `v1.<iv>.<tag>.<ciphertext>` in base64url, so the
 * format can change later without guessing. `context` is bound as additional authenticated data:
 * a ciphertext copied from one column or row to another does not decrypt there.
 *
 * @example
 *   const box = createSecretBox(masterKey);
 *   const stored = box.seal(seed, `mfa:${userId}`);
 *   box.open(stored, `mfa:${userId}`); // → seed
 */
export interface SecretBox {
  seal(plaintext: Buffer | string, context: string): string;
  open(sealed: string, context: string): Buffer;
}

export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new LanyardError('MASTER_KEY_INVALID', 'master key must be 32 bytes');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, ciphertext] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || ciphertext === undefined) {
        throw new LanyardError('SECRET_UNREADABLE', 'stored secret has an unknown format');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
      } catch {
        throw new LanyardError('SECRET_UNREADABLE', 'stored secret cannot be decrypted with this master key');
      }
    },
  };
}
