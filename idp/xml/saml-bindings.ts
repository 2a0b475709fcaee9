import { inflateRawSync } from 'node:zlib';
import { LanyardError } from '../../core/errors.ts';
import { parseRedirectQuery } from './redirect-query.ts';

/** A protocol message taken off an HTTP-Redirect URL, before any XML parsing. */
export interface RedirectMessage {
  /** The inflated SAMLRequest / SAMLResponse XML bytes. */
  readonly xml: Buffer;
  readonly relayState: string | undefined;
  /** Present when the query carries a signature: the exact octets signed, the algorithm and value. */
  readonly signature: { readonly signedOctets: Buffer; readonly algorithm: string; readonly value: Buffer } | undefined;
}

const base64Text = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes an HTTP-POST binding parameter (base64 of the XML). The encoded length is checked
 * against `maxBytes` first so an oversized form field costs nothing to refuse.
 *
 * @example
 *   const xml = decodePostBinding(ctx.request.body.SAMLRequest, 64 * 1024);
 */
export function decodePostBinding(encoded: string, maxBytes: number): Buffer {
  if (encoded.length > Math.ceil((maxBytes * 4) / 3) + 1024) {
    throw new LanyardError('XML_TOO_LARGE', `SAML message is larger than ${maxBytes} bytes`);
  }
  return strictBase64(encoded, 'SAMLRequest');
}

/**
 * Decodes an HTTP-Redirect binding query (SAML bindings §3.4.4) from the *raw* query string as
 * received, because a query signature covers the URL-encoded bytes exactly as the sender wrote
 * them (`SAMLRequest=…&RelayState=…&SigAlg=…`); re-encoding decoded values may not reproduce
 * them. The query is parsed once (parseRedirectQuery: decoded names, no duplicates) and the
 * signed octets are built from exactly the raw values that parse returns, so every binding
 * parameter the caller gets back (the message, RelayState, SigAlg) is one the signature covers.
 * The other message parameter is refused: it could not be covered. The DEFLATE payload is
 * inflated with a hard output cap, so a small URL cannot expand into a huge document (zip bomb).
 *
 * @example
 *   const message = decodeRedirectBinding(ctx.querystring, 'SAMLRequest', 64 * 1024);
 */
export function decodeRedirectBinding(rawQuery: string, messageParameter: 'SAMLRequest' | 'SAMLResponse', maxInflatedBytes: number): RedirectMessage {
  const query = parseRedirectQuery(rawQuery);
  const otherMessage = messageParameter === 'SAMLRequest' ? 'SAMLResponse' : 'SAMLRequest';
  if (query.has(otherMessage)) {
    throw new LanyardError('SAML_REQUEST_MALFORMED', `${otherMessage} cannot come with ${messageParameter}`);
  }
  const message = query.get(messageParameter);
  if (message === undefined || message.raw === '') {
    throw new LanyardError('SAML_REQUEST_MISSING', `${messageParameter} is missing`);
  }
  if (message.raw.length > maxInflatedBytes * 2) {
    throw new LanyardError('XML_TOO_LARGE', `${messageParameter} is too long`);
  }
  const deflated = strictBase64(message.value, messageParameter);
  let xml: Buffer;
  try {
    xml = inflateRawSync(deflated, { maxOutputLength: maxInflatedBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new LanyardError('XML_TOO_LARGE', `inflated ${messageParameter} is larger than ${maxInflatedBytes} bytes`);
    }
    throw new LanyardError('SAML_REQUEST_MALFORMED', `${messageParameter} is not raw DEFLATE data`);
  }

  const relayState = query.get('RelayState');
  const algorithm = query.get('SigAlg');
  const signature = query.get('Signature');
  if ((algorithm === undefined) !== (signature === undefined)) {
    throw new LanyardError('SAML_SIGNATURE_INVALID', 'SigAlg and Signature must come together');
  }
  const signedText = `${messageParameter}=${message.raw}` +
    (relayState === undefined ? '' : `&RelayState=${relayState.raw}`) +
    (algorithm === undefined ? '' : `&SigAlg=${algorithm.raw}`);
  return {
    xml,
    relayState: relayState?.value,
    signature: algorithm === undefined || signature === undefined
      ? undefined
      : { signedOctets: Buffer.from(signedText, 'utf8'), algorithm: algorithm.value, value: strictBase64(signature.value, 'Signature') },
  };
}

/** Base64 with line breaks tolerated (some senders wrap at 76) but no other stray characters. */
function strictBase64(text: string, name: string): Buffer {
  const compact = text.replace(/[\r\n\t ]/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !base64Text.test(compact)) {
    throw new LanyardError('SAML_REQUEST_MALFORMED', `${name} is not valid base64`);
  }
  return Buffer.from(compact, 'base64');
}
