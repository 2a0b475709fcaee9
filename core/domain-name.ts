/**
 * DNS name syntax as Microsoft 365 accepts it for a domain: lower-case LDH labels of 1-63
 * characters, at most 253 characters in all (RFC 1035; RFC 5321 caps a domain at 255 octets), and
 * an alphabetic top-level label.
 */
const domainNamePattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** True when `name` (already lower-cased) is a syntactically valid domain name. */
export function isDomainName(name: string): boolean {
  return domainNamePattern.test(name);
}
