import { isDomainName } from './domain-name.ts';
import { LanyardError } from './errors.ts';

export interface NormalUpn {
  readonly upn: string;
  readonly local: string;
  readonly domain: string;
}

const maxUpnLength = 113;
const maxLocalLength = 64;
const localCharacter = /^[A-Za-z0-9.\-_!#^~']$/;

/**
 * The one normal form of a user principal name, used wherever an account enters Lanyard (CLI,
 * directory agent, import) and in every lookup by UPN, so two spellings of one name can never be
 * two accounts and a lookup can never miss or alias by case.
 *
 * Normal form: surrounding whitespace trimmed, lower-case, exactly one "@". The name before it is
 * 1-64 characters of what Entra allows in a UPN (letters, digits and ' . - _ ! # ^ ~; no leading,
 * trailing or double dot), the domain is a valid domain name, and the whole is at most 113
 * characters: Entra's limit, tighter than RFC 5321's 254, so a stored UPN can always be sent to
 * Microsoft unchanged.
 *
 * @example
 *   normalizeUpn(' Alice@Contoso.com ');   // { upn: 'alice@contoso.com', local: 'alice', domain: 'contoso.com' }
 *   normalizeUpn('a@b.test@c.test');       // throws UPN_INVALID (400): 'it must contain exactly one "@"'
 */
export function normalizeUpn(value: string): NormalUpn {
  const result = parseUpn(value);
  if (typeof result === 'string') throw new LanyardError('UPN_INVALID', `not a valid user principal name: ${result}`);
  return result;
}

/** The normal form of `value`, or undefined when it is no valid UPN: for lookups, where nothing can match. */
export function upnLookupKey(value: string): string | undefined {
  const result = parseUpn(value);
  return typeof result === 'string' ? undefined : result.upn;
}

/** The normal form, or the reason `value` has none. */
function parseUpn(value: string): NormalUpn | string {
  const trimmed = value.trim();
  if (trimmed.length > maxUpnLength) return `it is longer than ${maxUpnLength} characters`;
  const parts = trimmed.split('@');
  if (parts.length !== 2) return 'it must contain exactly one "@"';
  const [local, domain] = parts as [string, string];
  if (local.length === 0) return 'the name before "@" is empty';
  if (local.length > maxLocalLength) return `the name before "@" is longer than ${maxLocalLength} characters`;
  // Checked before lower-casing: toLowerCase maps some non-ASCII letters (the Kelvin sign) onto ASCII ones.
  const refused = [...local].find((character) => !localCharacter.test(character));
  if (refused !== undefined) return `the name before "@" may contain only letters, digits and ' . - _ ! # ^ ~, not ${describe(refused)}`;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'the name before "@" may not start or end with a dot or have two dots in a row';
  if (!/^[A-Za-z0-9.-]+$/.test(domain) || !isDomainName(domain.toLowerCase())) return 'the part after "@" is not a valid domain name';
  return { upn: `${local}@${domain}`.toLowerCase(), local: local.toLowerCase(), domain: domain.toLowerCase() };
}

/** A refused character, printable or by code point (never a raw control character or markup in a message). */
function describe(character: string): string {
  const codePoint = character.codePointAt(0)!;
  return codePoint > 0x20 && codePoint < 0x7f && character !== '<' && character !== '>' && character !== '&'
    ? `"${character}"`
    : `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}
