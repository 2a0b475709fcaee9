import { DOMParser, type Document, type Node } from '@xmldom/xmldom';
import { LanyardError } from '../../core/errors.ts';

export interface StrictXmlOptions {
  /** Largest accepted document in bytes (UTF-8), checked before anything is parsed. */
  readonly maxBytes: number;
}

// `<!` may only open a comment or a CDATA section; anything else (DOCTYPE, ENTITY, ELEMENT,
// ATTLIST, NOTATION, conditional sections) is DTD syntax.
const markupDeclaration = /<!(?!--|\[CDATA\[)/;
// The XML declaration is the only processing instruction allowed, and only at the very start.
const xmlDeclaration = /^<\?xml[ \t\r\n][^?]*\?>/;
const declaredEncoding = /encoding\s*=\s*["']([^"']*)["']/;
const nodeTypes = { element: 1, processingInstruction: 7, documentType: 10, entityReference: 5 } as const;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses untrusted XML (SAML requests, anything from the network) without any DTD processing.
 *
 * The text is refused *before* parsing when it is larger than `maxBytes` (XML_TOO_LARGE), is not
 * UTF-8, or contains a DOCTYPE, an entity or other markup declaration, or a processing instruction
 * other than a leading XML declaration (XML_DTD_FORBIDDEN). That closes XXE, external DTDs and
 * entity-expansion bombs whatever the parser would do with them. Every parser warning or error is
 * fatal (XML_MALFORMED); the handler is per parser instance, never global configuration.
 *
 * @example
 *   const document = parseStrictXml(Buffer.from(body, 'base64'), { maxBytes: 64 * 1024 });
 *   document.documentElement.localName; // 'AuthnRequest'
 */
export function parseStrictXml(input: string | Uint8Array, options: StrictXmlOptions): Document {
  const byteLength = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (byteLength > options.maxBytes) {
    throw new LanyardError('XML_TOO_LARGE', `XML message is larger than ${options.maxBytes} bytes`);
  }
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  rejectDeclarations(body);

  // The first problem the parser reports is the one worth naming; xmldom wraps whatever onError
  // throws in its own ParseError, so the message is kept here rather than read back from it.
  let problem = 'parse error';
  const parser = new DOMParser({
    onError(level, message) {
      problem = `${level}: ${message.split('\n')[0]!.slice(0, 200)}`;
      throw new Error(problem);
    },
  });
  let document: Document;
  try {
    document = parser.parseFromString(body, 'text/xml');
  } catch {
    throw new LanyardError('XML_MALFORMED', `XML is not well-formed (${problem})`);
  }
  if (!document.documentElement) throw new LanyardError('XML_MALFORMED', 'XML has no root element');
  rejectForbiddenNodes(document);
  return document;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new LanyardError('XML_MALFORMED', 'XML must be UTF-8');
  }
}

function rejectDeclarations(text: string): void {
  if (markupDeclaration.test(text)) {
    throw new LanyardError('XML_DTD_FORBIDDEN', 'XML must not contain a DOCTYPE or other DTD declarations');
  }
  const declaration = xmlDeclaration.exec(text);
  const rest = declaration ? text.slice(declaration[0].length) : text;
  if (rest.includes('<?')) {
    throw new LanyardError('XML_DTD_FORBIDDEN', 'XML must not contain processing instructions');
  }
  const encoding = declaration ? declaredEncoding.exec(declaration[0])?.[1] : undefined;
  if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') {
    throw new LanyardError('XML_MALFORMED', `XML encoding must be UTF-8, not ${encoding}`);
  }
}

/** Defence in depth: the parsed tree must hold no node kind the text checks meant to exclude. */
function rejectForbiddenNodes(document: Document): void {
  const pending: Node[] = [document];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node.nodeType === nodeTypes.documentType || node.nodeType === nodeTypes.entityReference) {
      throw new LanyardError('XML_DTD_FORBIDDEN', 'XML must not contain DTD constructs');
    }
    if (node.nodeType === nodeTypes.processingInstruction && node !== document.firstChild) {
      throw new LanyardError('XML_DTD_FORBIDDEN', 'XML must not contain processing instructions');
    }
    for (let child = node.firstChild; child !== null; child = child.nextSibling) pending.push(child);
  }
}
