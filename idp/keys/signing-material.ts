import { createPrivateKey, type KeyObject } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';

/**
 * What the token builders need to sign: the parsed private key and the certificate that goes into
 * KeyInfo. The base64 form is computed once per key, not once per token (signing is a hot path).
 */
export interface SigningMaterial {
  readonly privateKey: KeyObject;
  readonly certificateDer: Buffer;
  readonly certificateBase64: string;
}

/**
 * Builds signing material from a PKCS#8 DER private key and a DER certificate.
 *
 * @example
 *   const generated = await generateSigningKey();
 *   const key = signingMaterialFromDer(generated.privateKeyPkcs8Der, generated.certificateDer);
 *   const wresult = buildWsFedResult(input, key);
 */
export function signingMaterialFromDer(privateKeyPkcs8Der: Buffer, certificateDer: Buffer): SigningMaterial {
  const privateKey = createPrivateKey({ key: privateKeyPkcs8Der, format: 'der', type: 'pkcs8' });
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new LanyardError('SIGNING_KEY_INVALID', 'token signing keys must be RSA');
  }
  return Object.freeze({ privateKey, certificateDer, certificateBase64: certificateDer.toString('base64') });
}
