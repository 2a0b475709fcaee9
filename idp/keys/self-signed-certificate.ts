import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';
import {
  bitString, booleanTrue, derNull, explicit, objectIdentifier, octetString, printableString, sequence, set,
  smallInteger, time, unsignedInteger, utf8String,
} from './der.ts';

export interface CertificateFields {
  readonly subject: string;
  readonly serialNumber: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const sha256WithRsaEncryption = sequence(objectIdentifier('1.2.840.113549.1.1.11'), derNull);

// Only the attribute types a token-signing certificate subject needs; anything else is a typo.
const nameAttributeTypes: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  C: '2.5.4.6',
};

/**
 * DER of a self-signed X.509 v3 certificate (sha256WithRSAEncryption) for an RSA key, with the
 * extensions a signing certificate carries: basicConstraints cA=false, keyUsage digitalSignature
 * (both critical) and a subjectKeyIdentifier (SHA-1 of the public key, RFC 5280 method 1).
 *
 * @example
 *   const der = selfSignedCertificate(privateKey, { subject: 'CN=Lanyard token signing', serialNumber, notBefore, notAfter });
 */
export function selfSignedCertificate(privateKey: KeyObject, fields: CertificateFields): Buffer {
  const name = distinguishedName(fields.subject);
  const subjectPublicKeyInfo = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const tbsCertificate = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(fields.serialNumber),
    sha256WithRsaEncryption,
    name,
    sequence(time(fields.notBefore), time(fields.notAfter)),
    name,
    subjectPublicKeyInfo,
    explicit(3, sequence(
      extension('2.5.29.19', true, sequence()),
      extension('2.5.29.15', true, Buffer.from([0x03, 0x02, 0x07, 0x80])),
      extension('2.5.29.14', false, octetString(subjectKeyIdentifier(privateKey))),
    )),
  );
  const signature = sign('sha256', tbsCertificate, privateKey);
  return sequence(tbsCertificate, sha256WithRsaEncryption, bitString(signature));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(objectIdentifier(oid), booleanTrue(), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

/**
 * SHA-1 over the subjectPublicKey BIT STRING contents, the value OpenSSL and .NET compute too. For
 * RSA those contents are exactly the PKCS#1 RSAPublicKey DER.
 */
function subjectKeyIdentifier(privateKey: KeyObject): Buffer {
  return createHash('sha1').update(createPublicKey(privateKey).export({ format: 'der', type: 'pkcs1' })).digest();
}

/** `CN=Lanyard token signing, O=Example` → Name, one attribute per RDN, in the order written. */
function distinguishedName(text: string): Buffer {
  const relativeNames = text.split(',').map((part) => {
    const separator = part.indexOf('=');
    const type = part.slice(0, separator).trim().toUpperCase();
    const value = part.slice(separator + 1).trim();
    const oid = nameAttributeTypes[type];
    if (separator < 1 || oid === undefined || value === '') {
      throw new LanyardError('SIGNING_KEY_INVALID_OPTIONS', `unsupported certificate subject part "${part.trim()}"; use CN, O, OU or C`);
    }
    const encoded = type === 'C' ? printableString(value) : utf8String(value);
    return set(sequence(objectIdentifier(oid), encoded));
  });
  return sequence(...relativeNames);
}
