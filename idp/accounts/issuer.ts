import { LanyardError } from '../../core/errors.ts';
import type { Domain } from '../../core/db/schema.ts';

/**
 * A domain's issuer: the identifier Microsoft 365 pins for the federated domain and Lanyard copies
 * byte for byte into every token. It is fixed when the domain is added, from the CLI's own
 * LANYARD_PUBLIC_URL, which need not be the server's; so `domain add` warns when that URL looks
 * wrong, and `domain set-issuer` corrects it while the domain is not federated.
 */

/** The per-domain issuer: unique per domain, as Entra requires when several domains are federated. */
export function issuerUriFor(publicUrl: string, domainName: string): string {
  return `${publicUrl}/federation/${domainName}`;
}

const maxIssuerLength = 1024;

/**
 * An issuer an admin sets: an absolute https or http URL (ADFS issuers are often http) or a URN,
 * without spaces, control characters or a fragment. Or ISSUER_URI_INVALID.
 *
 * @example
 *   validateIssuerUri('https://idp.contoso.com/federation/contoso.com');
 */
export function validateIssuerUri(value: string): string {
  const issuer = value.trim();
  const refuse = (reason: string) => new LanyardError('ISSUER_URI_INVALID', `not a valid issuer URI: ${reason}`);
  if (issuer.length === 0 || issuer.length > maxIssuerLength) throw refuse(`it must be 1 to ${maxIssuerLength} characters`);
  if (!/^[\x21-\x7e]+$/.test(issuer)) throw refuse('it may contain only printable ASCII characters, no spaces');
  if (/^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$/i.test(issuer)) return issuer;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw refuse('it must be an absolute https:// or http:// URL, or a urn:');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('it must be an absolute https:// or http:// URL, or a urn:');
  if (url.hash !== '' || issuer.includes('#')) throw refuse('it may not have a fragment (#…)');
  if (url.username !== '' || url.password !== '') throw refuse('it may not carry a user name or password');
  return issuer;
}

const loopbackHosts = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/;

/**
 * Why the issuer just fixed for `domain` may not be what the server will use: the public URL it was
 * built from is a local or plain-http default, or other domains' issuers were built from another
 * public URL (the server's configuration likely differs from this shell's).
 */
export function issuerWarnings(publicUrl: string, domain: Domain, otherDomains: readonly Domain[]): string[] {
  const warnings: string[] = [];
  const url = new URL(publicUrl);
  const fix = `if that is not the server's public URL, set LANYARD_PUBLIC_URL and run \`lanyard domain set-issuer ${domain.name} <issuer-uri>\``;
  if (loopbackHosts.test(url.hostname)) {
    warnings.push(`the issuer ${domain.issuerUri} was built from LANYARD_PUBLIC_URL ${publicUrl}, a local address Microsoft cannot reach (unset, it defaults to http://localhost:<PORT>); ${fix}`);
  } else if (url.protocol === 'http:') {
    warnings.push(`the issuer ${domain.issuerUri} was built from LANYARD_PUBLIC_URL ${publicUrl}, which is not https; Microsoft sends users only to https sign-in URLs; ${fix}`);
  }
  // Only issuers Lanyard built (…/federation/<domain>) say which public URL they came from.
  const builtSuffix = (other: Domain) => `/federation/${other.name}`;
  const otherBases = new Set(otherDomains.filter((other) => other.issuerUri.endsWith(builtSuffix(other))).map((other) => other.issuerUri.slice(0, -builtSuffix(other).length)));
  otherBases.delete(publicUrl);
  if (otherBases.size > 0) {
    warnings.push(`other domains' issuers were built from ${[...otherBases].join(', ')}, this one from ${publicUrl}; ${fix}`);
  }
  return warnings;
}
