import { LanyardError } from './errors.ts';

// Microsoft's usageLocation: a two-letter ISO 3166-1 country code, e.g. GB or US.
const countryCode = /^[A-Za-z]{2}$/;

/** A usage location given by an admin: upper-cased, or USAGE_LOCATION_INVALID. */
export function parseUsageLocation(value: string): string {
  const trimmed = value.trim();
  if (!countryCode.test(trimmed)) {
    throw new LanyardError('USAGE_LOCATION_INVALID', `usage location "${value}" is not a two-letter ISO 3166-1 country code such as GB or US`);
  }
  return trimmed.toUpperCase();
}

/** A usage location read from a directory or a tenant: upper-cased, or null when it is not a country code. */
export function usageLocationOrNull(value: string | null | undefined): string | null {
  return value && countryCode.test(value.trim()) ? value.trim().toUpperCase() : null;
}
