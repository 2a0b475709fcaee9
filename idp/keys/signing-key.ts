import { createHash, generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { LanyardError } from '../../core/errors.ts';
import { selfSignedCertificate } from './self-signed-certificate.ts';

/** A freshly generated token-signing key pair and its self-signed certificate, both DER. */
export interface GeneratedSigningKey {
  readonly privateKeyPkcs8Der: Buffer;
  readonly certificateDer: Buffer;
  /** SHA-256 over the certificate DER, lower-case hex: the key's name in logs, audit and the CLI. */
  readonly thumbprintSha256Hex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface GenerateSigningKeyOptions {
  /** Certificate lifetime; default three years (Entra only checks that the key matches, not dates). */
  readonly validityDays?: number;
  /** X.500 subject (also the issuer: the certificate is self-signed). */
  readonly subject?: string;
  readonly now?: Date;
}

const generateRsaKeyPair = promisify(generateKeyPair);
const defaultValidityDays = 3 * 365;
const millisecondsPerDay = 86_400_000;

/**
 * Creates an RSA-2048 key and a self-signed X.509 v3 certificate (SHA-256 with RSA) for signing
 * WS-Fed and SAML tokens. The certificate is an ordinary one that OpenSSL, xmlsec1 and .NET's
 * X509Certificate2 accept, which is what Entra's `signingCertificate` needs (base64 DER).
 *
 * @example
 *   const key = await generateSigningKey({ subject: 'CN=Lanyard token signing' });
 *   const signingCertificate = key.certificateDer.toString('base64');
 */
export async function generateSigningKey(options: GenerateSigningKeyOptions = {}): Promise<GeneratedSigningKey> {
  const validityDays = options.validityDays ?? defaultValidityDays;
  if (!Number.isInteger(validityDays) || validityDays < 1) {
    throw new LanyardError('SIGNING_KEY_INVALID_OPTIONS', 'validityDays must be a positive whole number');
  }
  const subject = options.subject ?? 'CN=Lanyard token signing';
  // Whole seconds: X.509 UTCTime has no fractions, so the dates returned match the certificate.
  const notBefore = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + validityDays * millisecondsPerDay);

  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const certificateDer = selfSignedCertificate(privateKey, { subject, serialNumber: randomBytes(16), notBefore, notAfter });
  return {
    privateKeyPkcs8Der: privateKey.export({ format: 'der', type: 'pkcs8' }),
    certificateDer,
    thumbprintSha256Hex: createHash('sha256').update(certificateDer).digest('hex'),
    notBefore,
    notAfter,
  };
}
