import { LanyardError } from '../../core/errors.ts';

/**
 * Input rules for identifiers, matching what Microsoft 365 accepts so a value Lanyard stores can
 * always be sent to Entra unchanged.
 */
const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const domainPattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// Entra UPN local part: letters, digits and . - _ ! # ^ ~ ' (no leading/trailing or double dot).
const upnLocalPattern = /^(?!\.)(?!.*\.\.)[A-Za-z0-9.\-_!#^~']{1,64}(?<!\.)$/;
// Graph: onPremisesImmutableId may not contain '$' or '_'; Entra: under 60 characters effective.
const immutableIdPattern = /^[\x21-\x7e]{1,64}$/;

export function normalizeSlug(value: string): string {
  const slug = value.trim().toLowerCase();
  if (!slugPattern.test(slug)) {
    throw new LanyardError('ORG_SLUG_INVALID', `"${value}" is not a valid organization slug (lower-case letters, digits and dashes)`);
  }
  return slug;
}

export function normalizeDomainName(value: string): string {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  if (!domainPattern.test(name)) throw new LanyardError('DOMAIN_NAME_INVALID', `"${value}" is not a valid domain name`);
  if (name.endsWith('.onmicrosoft.com')) {
    throw new LanyardError('DOMAIN_NOT_FEDERATABLE', 'Microsoft-provided *.onmicrosoft.com domains cannot be federated');
  }
  return name;
}

export function normalizeUpn(value: string): { upn: string; domain: string } {
  const upn = value.trim().toLowerCase();
  const at = upn.lastIndexOf('@');
  const local = upn.slice(0, at);
  const domain = upn.slice(at + 1);
  if (at < 1 || !upnLocalPattern.test(local) || !domainPattern.test(domain) || upn.length > 113) {
    throw new LanyardError('UPN_INVALID', `"${value}" is not a valid user principal name (name@domain)`);
  }
  return { upn, domain };
}

export function validateImmutableId(value: string): string {
  if (!immutableIdPattern.test(value) || value.includes('$') || value.includes('_')) {
    throw new LanyardError('IMMUTABLE_ID_INVALID', 'immutable ID must be 1-64 printable characters without spaces, "$" or "_"');
  }
  return value;
}

export function validateDisplayName(value: string | undefined): string | null {
  if (value === undefined) return null;
  const name = value.trim();
  if (name.length === 0 || name.length > 256) throw new LanyardError('DISPLAY_NAME_INVALID', 'display name must be 1-256 characters');
  return name;
}

/** Passwords: at least 12 characters, at most 256 (scrypt cost is per byte, and nobody types more). */
export function validateNewPassword(value: string): string {
  if (value.length < 12) throw new LanyardError('PASSWORD_TOO_SHORT', 'password must be at least 12 characters');
  if (value.length > 256) throw new LanyardError('PASSWORD_TOO_LONG', 'password must be at most 256 characters');
  return value;
}
