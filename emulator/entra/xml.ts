import { DOMParser, onWarningStopParsing, type Document, type Element } from '@xmldom/xmldom';

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

/** Tokens are a few kilobytes; anything far larger is hostile or broken. */
const maximumXmlCharacters = 256 * 1024;

/**
 * Parses XML strictly: no DTD (so no entity expansion or external entities), every warning or error
 * stops parsing, and the document must have one root element.
 */
export function parseStrictXml(text: string): Document {
  if (text.length > maximumXmlCharacters) throw new XmlSyntaxError('The XML document is too large.');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlSyntaxError('DTDs are not allowed.');
  let document: Document;
  try {
    document = new DOMParser({ onError: onWarningStopParsing }).parseFromString(text, 'text/xml');
  } catch (error) {
    throw new XmlSyntaxError(`The XML is malformed: ${(error as Error).message}`);
  }
  if (!document.documentElement) throw new XmlSyntaxError('The XML has no root element.');
  return document;
}

export function childElements(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) {
      const element = node as Element;
      if (element.namespaceURI === namespace && element.localName === localName) found.push(element);
    }
  }
  return found;
}

/** Exactly one child element of that name, else a syntax error (duplicates are a wrapping attempt). */
export function singleChild(parent: Element, namespace: string, localName: string): Element {
  const found = childElements(parent, namespace, localName);
  if (found.length !== 1) throw new XmlSyntaxError(`Expected exactly one ${localName} in ${parent.localName}, found ${found.length}.`);
  return found[0] as Element;
}

export function optionalChild(parent: Element, namespace: string, localName: string): Element | undefined {
  const found = childElements(parent, namespace, localName);
  if (found.length > 1) throw new XmlSyntaxError(`Expected at most one ${localName} in ${parent.localName}.`);
  return found[0];
}

export function descendants(root: Document | Element, namespace: string, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(namespace, localName)) as Element[];
}

export function textOf(element: Element): string {
  return (element.textContent ?? '').trim();
}

export const namespaces = {
  xmlDsig: 'http://www.w3.org/2000/09/xmldsig#',
  trust2005: 'http://schemas.xmlsoap.org/ws/2005/02/trust',
  trust13: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  saml1: 'urn:oasis:names:tc:SAML:1.0:assertion',
  saml2: 'urn:oasis:names:tc:SAML:2.0:assertion',
  saml2Protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  policy: 'http://schemas.xmlsoap.org/ws/2004/09/policy',
  addressing: 'http://www.w3.org/2005/08/addressing',
} as const;
