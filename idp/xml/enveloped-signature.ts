import { hash, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { ConcurrencyLimit } from '../../core/concurrency-limit.ts';
import type { SigningMaterial } from '../keys/signing-material.ts';
import { canonicalAttributeValue } from './canonical-xml.ts';

const dsNamespace = 'http://www.w3.org/2000/09/xmldsig#';
const excC14n = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const rsaSha256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const sha256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const envelopedSignature = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

// SignedInfo children up to the Reference URI, and from after it to the DigestValue text. They are
// constants already in canonical form (attributes in order, explicit end tags, no whitespace).
const signedInfoHead =
  `<ds:CanonicalizationMethod Algorithm="${excC14n}"></ds:CanonicalizationMethod>` +
  `<ds:SignatureMethod Algorithm="${rsaSha256}"></ds:SignatureMethod><ds:Reference URI="#`;
const signedInfoMiddle =
  `"><ds:Transforms><ds:Transform Algorithm="${envelopedSignature}"></ds:Transform>` +
  `<ds:Transform Algorithm="${excC14n}"></ds:Transform></ds:Transforms>` +
  `<ds:DigestMethod Algorithm="${sha256}"></ds:DigestMethod><ds:DigestValue>`;
const signedInfoTail = '</ds:DigestValue></ds:Reference>';

// The callback form of crypto.sign runs the RSA operation on libuv's thread pool, so the event
// loop keeps serving other requests (parsing, database, rendering) while a token is being signed.
// At most one signature per core runs at once, and never on every pool thread: more signing threads
// than cores would only take turns with the event loop, which every request needs, and password
// hashing and file work share the same pool (measured with `npm run bench -- signin`: one signing
// thread per core signs the most tokens).
const threadPoolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const signOffThread = promisify(sign);
const signatureSlots = new ConcurrencyLimit(Math.max(1, Math.min(availableParallelism(), threadPoolSize - 1)));

/** An element split where its enveloped Signature goes; `before + after` is the whole element. */
export interface SignaturePlacement {
  /** Canonical markup from the element's start tag up to the Signature's position. */
  readonly before: string;
  /** Canonical markup from the Signature's position through the element's end tag. */
  readonly after: string;
  /** The element's ID attribute value (referenced as `#id`). */
  readonly id: string;
}

/**
 * Signs an element that is already in exc-c14n form with an enveloped XML-DSig signature
 * (RSA-SHA256, SHA-256 digest, exc-c14n) and returns the element with the Signature spliced in.
 *
 * Correctness rests on two facts. (1) The enveloped-signature transform removes the Signature, so
 * the referenced data is `before + after`; since that string is canonical (see canonical-xml.ts),
 * exc-c14n of the parsed element gives exactly these bytes, and this is what gets digested.
 * (2) Verifiers canonicalize SignedInfo as a subtree: exc-c14n then writes `xmlns:ds` on
 * SignedInfo itself (the prefix is visibly used and no *output* ancestor declares it), so the bytes
 * signed are SignedInfo with that declaration, while in the document SignedInfo inherits it from
 * Signature. The certificate goes into KeyInfo; KeyInfo is not signed, as usual for SAML.
 *
 * @example
 *   const signed = await signEnvelopedElement({ before: '<saml:Assertion …><saml:Issuer>…</saml:Issuer>', after: '…</saml:Assertion>', id }, key);
 */
export async function signEnvelopedElement(placement: SignaturePlacement, key: SigningMaterial): Promise<string> {
  const digest = hash('sha256', placement.before + placement.after, 'base64');
  const signedInfoContent = signedInfoHead + canonicalAttributeValue(placement.id) + signedInfoMiddle + digest + signedInfoTail;
  const canonicalSignedInfo = `<ds:SignedInfo xmlns:ds="${dsNamespace}">${signedInfoContent}</ds:SignedInfo>`;
  const signatureBytes = await signatureSlots.run(() => signOffThread('sha256', Buffer.from(canonicalSignedInfo, 'utf8'), key.privateKey));
  const signatureValue = signatureBytes.toString('base64');
  const signature =
    `<ds:Signature xmlns:ds="${dsNamespace}"><ds:SignedInfo>${signedInfoContent}</ds:SignedInfo>` +
    `<ds:SignatureValue>${signatureValue}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    '</ds:Signature>';
  return placement.before + signature + placement.after;
}
