import { generateSigningKey } from '../../../idp/keys/signing-key.ts';
import { signingMaterialFromDer, type SigningMaterial } from '../../../idp/keys/signing-material.ts';

/** A real RSA-2048 key and certificate made by the production generator, for one test file. */
export async function createTestSigningMaterial(): Promise<SigningMaterial> {
  const generated = await generateSigningKey();
  return signingMaterialFromDer(generated.privateKeyPkcs8Der, generated.certificateDer);
}

export const loginSrf = 'https://login.microsoftonline.com/login.srf';

/** Values that exercise every escaping rule: markup characters, quotes, CR/TAB/LF, non-ASCII, astral. */
export const hostileValues = [
  'plain',
  `a&b<c>d"e'f`,
  'line\r\nbreak\ttab\nlf',
  'ünïcödé 名前 😀',
  ']]>&amp;&#x41;',
  ' leading and trailing ',
] as const;
