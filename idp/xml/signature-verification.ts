import { X509Certificate, verify as verifyRaw } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { LanyardError } from '../../core/errors.ts';
import { parseStrictXml } from './strict-xml.ts';

const dsNamespace = 'http://www.w3.org/2000/09/xmldsig#';

/**
 * Algorithms accepted on *incoming* signed requests. Microsoft's own sample of a signed Entra
 * AuthnRequest uses rsa-sha1 / sha1, so refusing SHA-1 would break domains that require signed
 * requests; SHA-256 is accepted too. Lanyard's own tokens are always RSA-SHA256. The SHA-1
 * weakness (chosen-prefix collisions) matters little here: Entra, not an attacker, picks the
 * signed bytes, and the request only starts a sign-in that still needs the user's credentials.
 */
const signatureAlgorithms: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
};
const digestAlgorithms = ['http://www.w3.org/2000/09/xmldsig#sha1', 'http://www.w3.org/2001/04/xmlenc#sha256'];
const transformAlgorithms = ['http://www.w3.org/2001/10/xml-exc-c14n#', 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'];

/**
 * Verifies the enveloped signature on the root element of `xml` with the pinned certificates only
 * (KeyInfo in the message is ignored: Entra sends just X509SKI/KeyName, and a key carried by the
 * message proves nothing). The signature must be a direct child of the root, the only Signature in
 * the document, with one Reference to the root's ID.
 *
 * Returns the root element re-parsed from the *signed* canonical bytes, which is the only XML the
 * caller may read: nothing outside the signed node (a wrapping element, a second copy of the
 * request, an unsigned sibling) can reach it. Throws SAML_SIGNATURE_INVALID.
 *
 * @example
 *   const signedRoot = verifyEnvelopedSignature(text, document.documentElement, [entraCertificateDer], 64 * 1024);
 */
export function verifyEnvelopedSignature(xml: string, root: Element, trustedCertificates: readonly Buffer[], maxBytes: number): Element {
  const signatures = Array.from(root.ownerDocument!.getElementsByTagNameNS(dsNamespace, 'Signature'));
  if (signatures.length !== 1 || signatures[0]!.parentNode !== root) {
    throw invalid('the message must carry exactly one signature, on its root element');
  }
  const signature = signatures[0]!;
  const references = Array.from(signature.getElementsByTagNameNS(dsNamespace, 'Reference'));
  const rootId = root.getAttribute('ID');
  if (references.length !== 1 || !rootId || references[0]!.getAttribute('URI') !== `#${rootId}`) {
    throw invalid('the signature must have one reference, to the root element');
  }
  if (trustedCertificates.length === 0) throw invalid('no trusted certificate is configured to check the signature');

  for (const certificate of trustedCertificates) {
    const verifier = new SignedXml({ publicCert: new X509Certificate(certificate).toString(), getCertFromKeyInfo: () => null });
    verifier.SignatureAlgorithms = pick(verifier.SignatureAlgorithms, Object.keys(signatureAlgorithms));
    verifier.HashAlgorithms = pick(verifier.HashAlgorithms, digestAlgorithms);
    verifier.CanonicalizationAlgorithms = pick(verifier.CanonicalizationAlgorithms, transformAlgorithms);
    let signedReferences: string[];
    try {
      verifier.loadSignature(signature as never);
      if (!verifier.checkSignature(xml)) continue;
      signedReferences = verifier.getSignedReferences();
    } catch {
      continue;
    }
    if (signedReferences.length !== 1) throw invalid('the signature must cover exactly one element');
    const signedRoot = parseStrictXml(signedReferences[0]!, { maxBytes }).documentElement!;
    if (signedRoot.namespaceURI !== root.namespaceURI || signedRoot.localName !== root.localName || signedRoot.getAttribute('ID') !== rootId) {
      throw invalid('the signature covers a different element');
    }
    return signedRoot;
  }
  throw invalid('the signature does not verify with any trusted certificate');
}

/**
 * Verifies an HTTP-Redirect binding query signature over the exact octets received.
 *
 * @example
 *   verifyRedirectSignature(message.signature, [entraCertificateDer]);
 */
export function verifyRedirectSignature(
  signature: { readonly signedOctets: Buffer; readonly algorithm: string; readonly value: Buffer },
  trustedCertificates: readonly Buffer[],
): void {
  const hash = signatureAlgorithms[signature.algorithm];
  if (hash === undefined) throw invalid(`signature algorithm ${signature.algorithm} is not accepted`);
  if (trustedCertificates.length === 0) throw invalid('no trusted certificate is configured to check the signature');
  const verified = trustedCertificates.some((certificate) =>
    verifyRaw(hash, signature.signedOctets, new X509Certificate(certificate).publicKey, signature.value));
  if (!verified) throw invalid('the signature does not verify with any trusted certificate');
}

function pick<T>(table: Record<string, T>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(table).filter(([name]) => names.includes(name)));
}

function invalid(message: string): LanyardError {
  return new LanyardError('SAML_SIGNATURE_INVALID', message);
}
