import { LanyardError } from '../../core/errors.ts';

/**
 * Writing XML that is already in Exclusive XML Canonicalization form (exc-c14n, without comments).
 *
 * Why: a signed token costs one RSA signature plus a SHA-256 over ~2 KB. Building a DOM and
 * canonicalizing it per token would cost more than the signature. So the token builders emit
 * strings that *are* their own canonical form, and the digest is taken over those exact bytes.
 * A string is its own exc-c14n output when all of the following hold (each is a rule of
 * C14N 1.0 §2.3 / Exc-C14N §3 that this module enforces or that the builders follow):
 *
 * 1. No XML declaration, no DOCTYPE, no comments, no processing instructions, no whitespace
 *    between elements that is not meant as content (the builders write none).
 * 2. Every element has a start and an end tag; never `<x/>` (`element()` always writes both).
 * 3. Namespace declarations come first in a start tag, sorted by prefix, then the other attributes
 *    sorted by name. Lanyard's elements carry at most one declaration and only unprefixed
 *    attributes, so "sorted by (namespace URI, local name)" is plain code-unit order of the names,
 *    which `element()` applies. Attribute values are always in double quotes.
 * 4. Exc-c14n writes a namespace declaration on an element only where the prefix is *visibly used*
 *    (by the element's own name or one of its attributes) and no output ancestor already declared
 *    it with the same URI. The builders declare each prefix exactly once, on the outermost element
 *    of the signed subtree that uses it (`saml:` on the Assertion, `ds:` on Signature), and never
 *    declare a prefix an element does not use. Declarations on elements *outside* the signed
 *    subtree (the RSTR's `t:`, the Response's `samlp:`) are not used inside it, so exc-c14n drops
 *    them; that is why the same assertion bytes canonicalize identically inside the wrapper.
 * 5. Text: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, CR → `&#xD;`; everything else literal (UTF-8).
 *    Attribute values: `&` → `&amp;`, `<` → `&lt;`, `"` → `&quot;`, TAB → `&#x9;`, LF → `&#xA;`,
 *    CR → `&#xD;`; `>` and `'` stay literal. These are exactly what a parser turns back into the
 *    original characters (a literal CR or TAB would be normalized away), so verifiers
 *    canonicalizing the parsed document reproduce these bytes.
 * 6. Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF)
 *    are refused with `XML_INVALID_CHARACTER` rather than silently changed: a value that would
 *    not survive a round trip must not be signed.
 *
 * The tests canonicalize emitted tokens with xml-crypto's ExclusiveCanonicalization and compare
 * bytes, for hostile inputs too.
 */

// Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] (XML 1.0 §2.2)
const forbiddenCharacter = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const textSpecial = /[&<>\r]/;
const attributeSpecial = /[&<"\t\n\r]/;

const textReplacements: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const attributeReplacements: Readonly<Record<string, string>> = {
  '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;',
};

function assertXmlCharacters(value: string): void {
  if (forbiddenCharacter.test(value)) {
    throw new LanyardError('XML_INVALID_CHARACTER', 'value contains a character XML cannot carry');
  }
}

/** Text content in canonical form. */
export function canonicalText(value: string): string {
  assertXmlCharacters(value);
  return textSpecial.test(value) ? value.replace(/[&<>\r]/g, (character) => textReplacements[character]!) : value;
}

/** An attribute value (without quotes) in canonical form. */
export function canonicalAttributeValue(value: string): string {
  assertXmlCharacters(value);
  return attributeSpecial.test(value) ? value.replace(/[&<"\t\n\r]/g, (character) => attributeReplacements[character]!) : value;
}

/** Unprefixed attributes by name; `undefined` values are left out (optional attributes). */
export type Attributes = Readonly<Record<string, string | undefined>>;

/** A namespace declaration to write on this element: `[prefix, uri]`. */
export type NamespaceDeclaration = readonly [prefix: string, uri: string];

/** The canonical start tag. Attribute names are trusted constants; values are escaped here. */
export function startTag(name: string, attributes: Attributes = {}, namespace?: NamespaceDeclaration): string {
  let tag = `<${name}`;
  if (namespace) tag += ` xmlns:${namespace[0]}="${canonicalAttributeValue(namespace[1])}"`;
  for (const attributeName of Object.keys(attributes).sort()) {
    const value = attributes[attributeName];
    if (value !== undefined) tag += ` ${attributeName}="${canonicalAttributeValue(value)}"`;
  }
  return `${tag}>`;
}

/**
 * A whole element in canonical form. `content` is already-canonical markup (other `element()`
 * results) or, with `text`, a string to escape.
 *
 * @example
 *   element('saml:Audience', {}, { text: 'urn:federation:MicrosoftOnline' })
 *   // '<saml:Audience>urn:federation:MicrosoftOnline</saml:Audience>'
 */
export function element(
  name: string,
  attributes: Attributes,
  content: string | { readonly text: string },
  namespace?: NamespaceDeclaration,
): string {
  const inner = typeof content === 'string' ? content : canonicalText(content.text);
  return `${startTag(name, attributes, namespace)}${inner}</${name}>`;
}

/** xs:dateTime in UTC with milliseconds, the form SAML and WS-Trust peers all accept. */
export function dateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new LanyardError('TOKEN_INPUT_INVALID', 'invalid date');
  return date.toISOString();
}
