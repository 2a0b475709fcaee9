import { isDomainName } from '../../core/domain-name.ts';
import { LanyardError } from '../../core/errors.ts';

/**
 * Input rules for identifiers, matching what Microsoft 365 accepts so a value Lanyard stores can
 * always be sent to Entra unchanged. UPNs have their own module, common/upn.ts, because every layer
 * down to the database looks accounts up by them.
 */
// The sign-in page and the CLI take UPNs with the other identifiers; there is one rule for them.
export { normalizeUpn } from '../../core/upn.ts';

const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
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
  if (!isDomainName(name)) throw new LanyardError('DOMAIN_NAME_INVALID', `"${value}" is not a valid domain name`);
  if (name.endsWith('.onmicrosoft.com')) {
    throw new LanyardError('DOMAIN_NOT_FEDERATABLE', 'Microsoft-provided *.onmicrosoft.com domains cannot be federated');
  }
  return name;
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
