import { createHash, createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import type { KeyPairWithCertificate } from '../tls/certificates.ts';
import { certificateBase64 } from '../tls/certificates.ts';

export type JwtClaims = Readonly<Record<string, unknown>>;

export class JwtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtError';
  }
}

/** Entra's `kid` and `x5t` are the base64url SHA-1 thumbprint of the signing certificate. */
export function keyId(key: KeyPairWithCertificate): string {
  return createHash('sha1').update(Buffer.from(certificateBase64(key.certificatePem), 'base64')).digest('base64url');
}

/** The JSON Web Key Set entry for a signing certificate, shaped like Entra's `discovery/v2.0/keys`. */
export function jsonWebKey(key: KeyPairWithCertificate, issuer: string): Record<string, unknown> {
  const publicJwk = createPublicKey(key.certificatePem).export({ format: 'jwk' });
  const thumbprint = keyId(key);
  return {
    kty: 'RSA',
    use: 'sig',
    kid: thumbprint,
    x5t: thumbprint,
    n: publicJwk.n,
    e: publicJwk.e,
    x5c: [certificateBase64(key.certificatePem)],
    issuer,
  };
}

/** Signs `claims` with RS256. */
export function signJwt(claims: JwtClaims, key: KeyPairWithCertificate): string {
  const thumbprint = keyId(key);
  const header = { typ: 'JWT', alg: 'RS256', x5t: thumbprint, kid: thumbprint };
  const signingInput = `${encodeJson(header)}.${encodeJson(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), createPrivateKey(key.privateKeyPem));
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** Verifies an RS256 signature made with `key` and returns the claims; checks nothing else. */
export function verifyJwtSignature(token: string, key: KeyPairWithCertificate): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('The token is not a JWS compact serialization.');
  const [encodedHeader, encodedClaims, encodedSignature] = parts as [string, string, string];
  const header = decodeJson(encodedHeader);
  if (header.alg !== 'RS256') throw new JwtError('Unsupported signing algorithm.');
  const valid = verify(
    'sha256',
    Buffer.from(`${encodedHeader}.${encodedClaims}`),
    new X509Certificate(key.certificatePem).publicKey,
    Buffer.from(encodedSignature, 'base64url'),
  );
  if (!valid) throw new JwtError('Signature verification failed.');
  return decodeJson(encodedClaims);
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeJson(encoded: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new JwtError('The token is malformed.');
  }
}
