import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./pysaml2_sp.py', import.meta.url));

export interface Pysaml2Result {
  readonly accepted: boolean;
  readonly nameId?: string;
  readonly issuer?: string;
  readonly attributes?: Record<string, string[]>;
  readonly authnContext?: string[];
  readonly error?: string;
}

/** Minimal IdP metadata for pysaml2: entity ID = our issuer, one signing certificate. */
export function identityProviderMetadata(issuer: string, certificateBase64: string, ssoUrl: string): string {
  return `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${issuer}">` +
    '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">' +
    `<KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>` +
    `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}"/>` +
    '</IDPSSODescriptor></EntityDescriptor>';
}

/** Posts a SAMLResponse (XML) to a pysaml2 SP that trusts `metadata`; runs /usr/bin/python3. */
export async function validateWithPysaml2(responseXml: string, metadata: string, acsUrl: string, inResponseTo: string): Promise<Pysaml2Result> {
  const directory = await mkdtemp(join(tmpdir(), 'lanyard-pysaml2-'));
  try {
    const metadataPath = join(directory, 'idp.xml');
    await writeFile(metadataPath, metadata);
    return await new Promise((resolve) => {
      const child = execFile('/usr/bin/python3', [script, metadataPath, acsUrl, inResponseTo], (error, stdout, stderr) => {
        if (error) resolve({ accepted: false, error: stderr.trim().split('\n').pop() ?? String(error) });
        else resolve({ accepted: true, ...(JSON.parse(stdout) as Omit<Pysaml2Result, 'accepted'>) });
      });
      child.stdin!.end(Buffer.from(responseXml, 'utf8').toString('base64'));
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
