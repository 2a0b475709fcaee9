import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCertificate, type CertificateRequest, type KeyPairWithCertificate } from './certificates.ts';

/** Every key the emulator holds: TLS (its own CA and the server certificate) and Microsoft's signing keys. */
export interface EmulatorKeys {
  readonly stateDirectory: string;
  readonly caCertificatePath: string;
  readonly certificateAuthority: KeyPairWithCertificate;
  readonly server: KeyPairWithCertificate;
  /** Signs access tokens (published as JWKS). */
  readonly tokenSigning: KeyPairWithCertificate;
  /** Entra's "OrgID" key that signs SAML AuthnRequests when a domain requires it. */
  readonly organizationIdSigning: KeyPairWithCertificate;
}

/**
 * Loads the keys from `stateDirectory`, creating what is missing, so a restarted emulator keeps the CA
 * that clients already trust. Without a directory a fresh temporary one is used: the CA certificate
 * must still be a file, because clients in other processes trust it through `NODE_EXTRA_CA_CERTS`.
 */
export async function loadOrCreateKeys(stateDirectory: string | undefined): Promise<EmulatorKeys> {
  const directory = stateDirectory ?? (await mkdtemp(path.join(tmpdir(), 'lanyard-emulator-')));
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const certificateAuthority = await loadOrCreate(directory, 'ca', {
    subject: 'CN=Lanyard Microsoft 365 Emulator CA',
    isCertificateAuthority: true,
    validDays: 3650,
  });
  const server = await loadOrCreate(directory, 'server', {
    subject: 'CN=localhost',
    issuer: certificateAuthority,
    serverNames: { dns: ['localhost'], ip: ['127.0.0.1'] },
  });
  const tokenSigning = await loadOrCreate(directory, 'token-signing', { subject: 'CN=accounts.accesscontrol.windows.net' });
  const organizationIdSigning = await loadOrCreate(directory, 'orgid-signing', { subject: 'CN=MicrosoftOnline' });
  return {
    stateDirectory: directory,
    caCertificatePath: path.join(directory, 'ca.crt'),
    certificateAuthority,
    server,
    tokenSigning,
    organizationIdSigning,
  };
}

async function loadOrCreate(
  directory: string,
  name: string,
  request: CertificateRequest,
): Promise<KeyPairWithCertificate> {
  const certificatePath = path.join(directory, `${name}.crt`);
  const privateKeyPath = path.join(directory, `${name}.key`);
  try {
    return {
      certificatePem: await readFile(certificatePath, 'utf8'),
      privateKeyPem: await readFile(privateKeyPath, 'utf8'),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const created = await createCertificate(request);
  await writeFile(privateKeyPath, created.privateKeyPem, { mode: 0o600 });
  await writeFile(certificatePath, created.certificatePem);
  return created;
}

/**
 * Issues a server certificate for 127.0.0.1 and localhost from the CA kept in `stateDirectory`, for
 * another local HTTPS server (Lanyard in tests and the demo) that clients trusting the emulator's CA
 * should trust too. Writes `<name>.crt` and `<name>.key` there and returns their paths.
 */
export async function issueServerCertificate(stateDirectory: string, name: string): Promise<{ certFile: string; keyFile: string }> {
  const authority: KeyPairWithCertificate = {
    certificatePem: await readFile(path.join(stateDirectory, 'ca.crt'), 'utf8'),
    privateKeyPem: await readFile(path.join(stateDirectory, 'ca.key'), 'utf8'),
  };
  const issued = await createCertificate({ subject: `CN=${name}`, issuer: authority, serverNames: { dns: ['localhost'], ip: ['127.0.0.1'] } });
  const certFile = path.join(stateDirectory, `${name}.crt`);
  const keyFile = path.join(stateDirectory, `${name}.key`);
  await writeFile(keyFile, issued.privateKeyPem, { mode: 0o600 });
  await writeFile(certFile, issued.certificatePem);
  return { certFile, keyFile };
}
