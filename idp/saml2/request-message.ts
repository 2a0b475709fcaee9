import type { Element } from '@xmldom/xmldom';
import { LanyardError } from '../../core/errors.ts';
import { decodePostBinding, decodeRedirectBinding } from '../xml/saml-bindings.ts';
import { verifyEnvelopedSignature, verifyRedirectSignature } from '../xml/signature-verification.ts';
import { parseStrictXml } from '../xml/strict-xml.ts';

export const protocolNamespace = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const assertionNamespace = 'urn:oasis:names:tc:SAML:2.0:assertion';

/** What the caller (the domain's SAML endpoint) knows and requires about incoming requests. */
export interface SamlRequestPolicy {
  /** This endpoint's URL; a Destination in the request must equal it. */
  readonly endpointUrl: string;
  /** The domain's isSignedAuthenticationRequestRequired. */
  readonly requireSignature: boolean;
  /** DER certificates of Microsoft's request-signing key (from its SAML metadata); never from the message. */
  readonly trustedCertificates: readonly Buffer[];
  readonly now: Date;
  /** Default urn:federation:MicrosoftOnline. */
  readonly expectedIssuer?: string;
  /** How far IssueInstant may be from `now`; default 300 s. */
  readonly clockSkewSeconds?: number;
  /** Largest XML accepted (also the inflate cap for HTTP-Redirect); default 64 KiB. */
  readonly maxMessageBytes?: number;
}

/** The request root read from verified bytes, with the checks every SAML request shares done. */
export interface VerifiedRequestRoot {
  readonly root: Element;
  readonly id: string;
  readonly issueInstant: Date;
  readonly issuer: string;
  readonly destination: string | undefined;
  readonly signed: boolean;
  /**
   * The RelayState to echo, null when absent or empty. With HTTP-Redirect it is the one the query
   * signature covers (when signed); with HTTP-POST it is the form field (the binding has no way
   * to sign it).
   */
  readonly relayState: string | null;
}

/** A request as received: the HTTP-POST form fields, or the raw HTTP-Redirect query string. */
export type RequestBinding =
  | { readonly binding: 'post'; readonly samlRequest: string; readonly relayState?: string }
  | { readonly binding: 'redirect'; readonly rawQuery: string };

const defaultMaxBytes = 64 * 1024;
// SAML bindings §3.4.3 caps RelayState at 80 bytes, but Microsoft's SAML services send far longer
// opaque state (Entra's estsrequest context; B2C's is near 2 KB), so the bound is the one wctx has.
const maxRelayStateBytes = 8192;
// xs:ID is an NCName; the length cap keeps IDs usable as database keys and log fields.
const xmlId = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * Decodes a SAML request from either binding, parses it strictly, verifies its signature when one
 * is present or required, and checks what all SAML requests share: root element, Version 2.0,
 * a well-formed ID, IssueInstant within the skew window, the expected Issuer and Destination.
 * Every value it returns is read from the verified XML, or (RelayState) from the verified query.
 *
 * @example
 *   const { root, id } = readSamlRequest({ binding: 'post', samlRequest }, 'AuthnRequest', policy);
 */
export function readSamlRequest(input: RequestBinding, rootName: 'AuthnRequest' | 'LogoutRequest', policy: SamlRequestPolicy): VerifiedRequestRoot {
  const maxBytes = policy.maxMessageBytes ?? defaultMaxBytes;
  const received = input.binding === 'redirect'
    ? decodeRedirectBinding(input.rawQuery, 'SAMLRequest', maxBytes)
    : { xml: decodePostBinding(input.samlRequest, maxBytes), relayState: input.relayState, signature: undefined };
  const bytes = received.xml;
  const relayState = checkedRelayState(received.relayState);
  const document = parseStrictXml(bytes, { maxBytes });
  const parsedRoot = document.documentElement!;
  if (parsedRoot.namespaceURI !== protocolNamespace || parsedRoot.localName !== rootName) {
    throw malformed(`expected a samlp:${rootName}`);
  }

  let root = parsedRoot;
  let signed = false;
  if (received.signature) {
    // The query signature covers the whole deflated message, so the whole document is signed.
    verifyRedirectSignature(received.signature, policy.trustedCertificates);
    signed = true;
  } else if (document.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature').length > 0) {
    root = verifyEnvelopedSignature(bytes.toString('utf8'), parsedRoot, policy.trustedCertificates, maxBytes);
    signed = true;
  }
  if (policy.requireSignature && !signed) {
    throw new LanyardError('SAML_SIGNATURE_REQUIRED', 'this domain accepts only signed SAML requests');
  }
  return { root, signed, relayState, ...commonFields(root, policy) };
}

function checkedRelayState(relayState: string | undefined): string | null {
  if (relayState === undefined || relayState === '') return null;
  if (Buffer.byteLength(relayState, 'utf8') > maxRelayStateBytes) {
    throw new LanyardError('SAML_RELAYSTATE_TOO_LARGE', `RelayState is larger than ${maxRelayStateBytes} bytes`);
  }
  return relayState;
}

function commonFields(root: Element, policy: SamlRequestPolicy): Omit<VerifiedRequestRoot, 'root' | 'signed' | 'relayState'> {
  if (root.getAttribute('Version') !== '2.0') throw malformed('Version must be 2.0');
  const id = root.getAttribute('ID') ?? '';
  if (!xmlId.test(id)) throw malformed('ID is missing or not a valid xs:ID');

  const instantText = root.getAttribute('IssueInstant') ?? '';
  const issueInstant = new Date(instantText);
  if (!isoInstant.test(instantText) || Number.isNaN(issueInstant.getTime())) throw malformed('IssueInstant must be a UTC xs:dateTime');
  const skewMilliseconds = (policy.clockSkewSeconds ?? 300) * 1000;
  if (Math.abs(issueInstant.getTime() - policy.now.getTime()) > skewMilliseconds) {
    throw new LanyardError('SAML_REQUEST_STALE', 'the request was issued too long ago or in the future');
  }

  const issuerElement = childElements(root).find((child) => child.namespaceURI === assertionNamespace && child.localName === 'Issuer');
  const issuer = issuerElement?.textContent?.trim() ?? '';
  if (issuer !== (policy.expectedIssuer ?? 'urn:federation:MicrosoftOnline')) {
    throw new LanyardError('SAML_UNKNOWN_ISSUER', 'the request does not come from urn:federation:MicrosoftOnline');
  }
  const destination = root.getAttribute('Destination') ?? undefined;
  if (destination !== undefined && destination !== policy.endpointUrl) {
    throw new LanyardError('SAML_DESTINATION_MISMATCH', 'the request was addressed to another endpoint');
  }
  return { id, issueInstant, issuer, destination };
}

/** Element children in document order. */
export function childElements(parent: Element): Element[] {
  return Array.from(parent.childNodes).filter((node): node is Element => node.nodeType === 1);
}

export function malformed(message: string): LanyardError {
  return new LanyardError('SAML_REQUEST_MALFORMED', message);
}
