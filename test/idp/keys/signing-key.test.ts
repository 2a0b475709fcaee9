import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, createHash, sign, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isLanyardError } from '../../../core/errors.ts';
import { generateSigningKey, type GeneratedSigningKey } from '../../../idp/keys/signing-key.ts';
import { signingMaterialFromDer } from '../../../idp/keys/signing-material.ts';
import { toPem } from '../../peers/xmlsec1.ts';

/**
 * The signing certificate is what admins paste into Entra (`signingCertificate`, base64 DER read
 * by .NET's X509Certificate2). It is written by Lanyard's own small DER encoder, so OpenSSL (the
 * same parser xmlsec1 uses) and Node's X509Certificate must both read it as an ordinary
 * self-signed RSA-2048 / SHA-256 certificate whose key matches the private key.
 */
describe('generateSigningKey', () => {
  let key: GeneratedSigningKey;
  const now = new Date('2026-03-04T05:06:07.890Z');
  beforeAll(async () => {
    key = await generateSigningKey({ now, subject: 'CN=Lanyard token signing, O=Contoso' });
  });

  it('makes a self-signed v3 certificate OpenSSL parses and verifies', async () => {
    const child = execFile('openssl', ['x509', '-noout', '-text']);
    child.stdin!.end(toPem(key.certificateDer));
    const text = await new Promise<string>((resolve) => {
      let output = '';
      child.stdout!.on('data', (chunk) => { output += chunk; });
      child.on('close', () => resolve(output));
    });
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toContain('Public-Key: (2048 bit)');
    expect(text).toContain('Subject: CN = Lanyard token signing, O = Contoso');
    expect(text).toContain('CA:FALSE');
    expect(text).toContain('Digital Signature');
  });

  it('has the dates, issuer and thumbprint it reports, and a key that matches the certificate', () => {
    const certificate = new X509Certificate(key.certificateDer);
    expect(certificate.subject).toBe('CN=Lanyard token signing\nO=Contoso');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(key.notBefore.toISOString()).toBe('2026-03-04T05:06:07.000Z');
    expect(new Date(certificate.validFrom).getTime()).toBe(key.notBefore.getTime());
    expect(new Date(certificate.validTo).getTime()).toBe(key.notAfter.getTime());
    expect(key.notAfter.getTime() - key.notBefore.getTime()).toBe(3 * 365 * 86_400_000);
    expect(key.thumbprintSha256Hex).toBe(createHash('sha256').update(key.certificateDer).digest('hex'));
    const privateKey = createPrivateKey({ key: key.privateKeyPkcs8Der, format: 'der', type: 'pkcs8' });
    expect(certificate.checkPrivateKey(privateKey)).toBe(true);
    expect(verify('sha256', Buffer.from('x'), certificate.publicKey, sign('sha256', Buffer.from('x'), privateKey))).toBe(true);
  });

  it('builds signing material with the base64 certificate precomputed', () => {
    const material = signingMaterialFromDer(key.privateKeyPkcs8Der, key.certificateDer);
    expect(material.certificateBase64).toBe(key.certificateDer.toString('base64'));
    expect(material.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('uses GeneralizedTime past 2049 and refuses bad options', async () => {
    const late = await generateSigningKey({ now: new Date('2049-06-01T00:00:00Z'), validityDays: 365 });
    expect(new X509Certificate(late.certificateDer).validTo).toContain('2050');
    for (const options of [{ validityDays: 0 }, { subject: 'CN=' }, { subject: 'XX=unknown' }]) {
      const outcome = await generateSigningKey(options).then(() => undefined, (error: unknown) => error);
      expect(isLanyardError(outcome, 'SIGNING_KEY_INVALID_OPTIONS')).toBe(true);
    }
  });
});
