// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import type { webcrypto as WebCrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const rsaAlgorithm = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

/** A certificate and its private key, both PEM, as Node's `tls` and `crypto` modules take them. */
export interface KeyPairWithCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface CertificateRequest {
  readonly subject: string;
  /** Signs with this authority; self-signed when absent. */
  readonly issuer?: KeyPairWithCertificate;
  readonly isCertificateAuthority?: boolean;
  readonly serverNames?: { readonly dns: readonly string[]; readonly ip: readonly string[] };
  readonly validDays?: number;
}

/**
 * Creates an RSA-2048 key and a SHA-256 certificate for it.
 *
 * @example
 *   const authority = await createCertificate({ subject: 'CN=Emulator CA', isCertificateAuthority: true });
 *   const server = await createCertificate({ subject: 'CN=localhost', issuer: authority,
 *     serverNames: { dns: ['localhost'], ip: ['127.0.0.1'] } });
 */
export async function createCertificate(request: CertificateRequest): Promise<KeyPairWithCertificate> {
  const keys = (await webcrypto.subtle.generateKey(rsaAlgorithm, true, ['sign', 'verify'])) as WebCrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + (request.validDays ?? 825) * 24 * 60 * 60 * 1000);
  const extensions: x509.Extension[] = [
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (request.isCertificateAuthority) {
    extensions.push(
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    );
  } else {
    extensions.push(
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
    );
  }
  if (request.serverNames) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...request.serverNames.dns.map((value) => ({ type: 'dns' as const, value })),
        ...request.serverNames.ip.map((value) => ({ type: 'ip' as const, value })),
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    );
  }

  let certificate: x509.X509Certificate;
  if (request.issuer) {
    const issuerCertificate = new x509.X509Certificate(request.issuer.certificatePem);
    const issuerKey = await importPrivateKey(request.issuer.privateKeyPem);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCertificate.publicKey));
    certificate = await x509.X509CertificateGenerator.create({
      subject: request.subject,
      issuer: issuerCertificate.subject,
      publicKey: keys.publicKey,
      signingKey: issuerKey,
      notBefore,
      notAfter,
      extensions,
      signingAlgorithm: rsaAlgorithm,
    });
  } else {
    certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: request.subject,
      keys,
      notBefore,
      notAfter,
      extensions,
      signingAlgorithm: rsaAlgorithm,
    });
  }
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

async function importPrivateKey(privateKeyPem: string): Promise<WebCrypto.CryptoKey> {
  return webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(privateKeyPem),
    rsaAlgorithm,
    false,
    ['sign'],
  );
}

/** Base64 DER without PEM armour: the form Graph's `signingCertificate` and XML-DSig `X509Certificate` use. */
export function certificateBase64(certificatePem: string): string {
  return Buffer.from(x509.PemConverter.decodeFirst(certificatePem)).toString('base64');
}

/** Parses base64 DER as an X.509 certificate; throws when it is not one. */
export function parseCertificateBase64(base64: string): x509.X509Certificate {
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new Error('not base64');
  return new x509.X509Certificate(Buffer.from(compact, 'base64'));
}
