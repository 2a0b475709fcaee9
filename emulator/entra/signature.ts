import { X509Certificate } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { parseCertificateBase64 } from '../tls/certificates.ts';
import { childElements, descendants, namespaces, parseStrictXml, textOf } from './xml.ts';

export type SignatureFailure = 'certificate-not-trusted' | 'signature-invalid';

export class SignatureError extends Error {
  constructor(
    readonly failure: SignatureFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

/**
 * Verifies the enveloped signature of `signedElement` (a SAML assertion) inside `documentXml` with the
 * realm's pinned certificates only, in Entra's order: first the certificate in KeyInfo must be one of
 * `trustedCertificates` (base64 DER), then the signature must verify with it. Returns the signed element
 * re-parsed from the bytes the signature covers, so nothing unsigned can be read by mistake.
 */
export function verifySignedElement(
  documentXml: string,
  signedElement: Element,
  idAttribute: 'AssertionID' | 'ID',
  trustedCertificates: readonly string[],
): Element {
  const signatures = childElements(signedElement, namespaces.xmlDsig, 'Signature');
  if (signatures.length !== 1) throw new SignatureError('signature-invalid', 'The assertion must carry exactly one signature.');
  const signature = signatures[0] as Element;
  const presented = descendants(signature, namespaces.xmlDsig, 'X509Certificate').map(textOf);
  const candidates = selectCertificates(presented, trustedCertificates);

  const elementId = signedElement.getAttribute(idAttribute);
  if (!elementId) throw new SignatureError('signature-invalid', `The assertion has no ${idAttribute}.`);
  for (const certificate of candidates) {
    // `ID` is among xml-crypto's default id attributes; naming it again makes every element count twice
    // in its duplicate-ID (anti-wrapping) check.
    const verifier = new SignedXml({ publicCert: toPem(certificate), ...(idAttribute === 'ID' ? {} : { idAttribute }) });
    verifier.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
    let valid = false;
    try {
      valid = verifier.checkSignature(documentXml);
    } catch {
      valid = false;
    }
    if (!valid) continue;
    const references = verifier.getReferences();
    const signedXml = verifier.getSignedReferences();
    if (references.length !== 1 || signedXml.length !== 1 || references[0]?.uri !== `#${elementId}`) {
      throw new SignatureError('signature-invalid', 'The signature must cover exactly the assertion.');
    }
    const verified = parseStrictXml(signedXml[0] as string).documentElement as Element;
    if (verified.localName !== signedElement.localName || verified.getAttribute(idAttribute) !== elementId) {
      throw new SignatureError('signature-invalid', 'The signed reference is not the assertion.');
    }
    return verified;
  }
  throw new SignatureError('signature-invalid', 'The token signature is not valid.');
}

/** The trusted certificates to try: the one KeyInfo names (if it is trusted), or all when KeyInfo has none. */
function selectCertificates(presented: readonly string[], trusted: readonly string[]): string[] {
  if (presented.length === 0) return [...trusted];
  if (presented.length > 1) throw new SignatureError('certificate-not-trusted', 'KeyInfo must carry one certificate.');
  const presentedDer = derOf(presented[0] as string);
  const match = trusted.find((certificate) => derOf(certificate)?.equals(presentedDer ?? Buffer.alloc(0)));
  if (!presentedDer || !match) {
    throw new SignatureError('certificate-not-trusted', 'The signing certificate is not the realm\'s signingCertificate or nextSigningCertificate.');
  }
  return [match];
}

function derOf(base64: string): Buffer | undefined {
  try {
    return Buffer.from(parseCertificateBase64(base64).rawData);
  } catch {
    return undefined;
  }
}

function toPem(base64: string): string {
  return new X509Certificate(Buffer.from(base64.replace(/\s+/g, ''), 'base64')).toString();
}
