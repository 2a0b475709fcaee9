import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Element types whose ID attribute a Reference may point at, as xmlsec1 `--id-attr` arguments. */
export const xmlsecIdAttributes = {
  saml11Assertion: 'AssertionID urn:oasis:names:tc:SAML:1.0:assertion:Assertion',
  saml2Assertion: 'ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
  saml2Response: 'ID urn:oasis:names:tc:SAML:2.0:protocol:Response',
  saml2LogoutResponse: 'ID urn:oasis:names:tc:SAML:2.0:protocol:LogoutResponse',
} as const;

export interface XmlsecResult {
  readonly verified: boolean;
  readonly output: string;
}

/**
 * Verifies the first (or the `nodeXpath`-selected) signature of `xml` with `xmlsec1 --verify`,
 * trusting only `certificateDer` (an independent libxml2/OpenSSL implementation of XML-DSig).
 */
export async function verifyWithXmlsec1(
  xml: string,
  certificateDer: Buffer,
  idAttribute: string,
  nodeXpath?: string,
): Promise<XmlsecResult> {
  const directory = await mkdtemp(join(tmpdir(), 'lanyard-xmlsec-'));
  try {
    const certificatePath = join(directory, 'cert.pem');
    const documentPath = join(directory, 'signed.xml');
    await writeFile(certificatePath, toPem(certificateDer));
    await writeFile(documentPath, xml);
    const [attribute, node] = idAttribute.split(' ');
    const args = ['--verify', '--pubkey-cert-pem', certificatePath, '--enabled-key-data', 'rsa', `--id-attr:${attribute}`, node!];
    if (nodeXpath) args.push('--node-xpath', nodeXpath);
    args.push(documentPath);
    return await new Promise((resolve) => {
      execFile('xmlsec1', args, (error, stdout, stderr) => resolve({ verified: error === null, output: stdout + stderr }));
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export function toPem(certificateDer: Buffer): string {
  const lines = certificateDer.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
