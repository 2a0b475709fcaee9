import { LanyardError } from '../../core/errors.ts';

/** What `csp customer create` is given, as typed. */
export interface NewCustomerInput {
  readonly company: string;
  readonly domainPrefix: string;
  readonly email: string;
  readonly country: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly address: string;
  readonly city: string;
  readonly postalCode: string;
  readonly state?: string;
  readonly phone?: string;
  readonly organization?: string;
  /** Mail the generated admin password instead of showing it: to `email`, or to `billingEmail`. */
  readonly mailPasswordTo?: 'customer' | 'billing';
  readonly billingEmail?: string;
  /** The indirect reseller the customer is sold through: its Partner Center tenant GUID (`associatedPartnerId`). */
  readonly reseller?: string;
}

/** The same, checked and normalized (trimmed, prefix lower case, country upper case). */
export type ValidCustomerInput = NewCustomerInput & { readonly domain: string };

// Microsoft's rule for the initial domain's prefix: letters and digits only, at most 27.
const domainPrefixPattern = /^[a-z0-9]{1,27}$/;
const emailPattern = /^[^\s@<>"]{1,64}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const countryPattern = /^[A-Z]{2}$/;
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const phonePattern = /^\+?[0-9][0-9 ()./-]{3,24}$/;
// Control characters break Partner Center's billing documents and Lanyard's own tables.
const controlCharacters = /[\u0000-\u001f\u007f]/;

function text(value: string | undefined, field: string, code: 'CSP_COMPANY_INVALID' | 'CSP_CONTACT_INVALID' | 'CSP_ADDRESS_INVALID', max: number): string {
  const trimmed = (value ?? '').trim();
  if (!trimmed || trimmed.length > max || controlCharacters.test(trimmed)) {
    throw new LanyardError(code, `--${field} must be 1 to ${max} characters, without control characters`, { field });
  }
  return trimmed;
}

function phoneNumber(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (trimmed !== undefined && !phonePattern.test(trimmed)) throw new LanyardError('CSP_PHONE_INVALID', `--phone "${trimmed}" is not a phone number (digits, spaces, + ( ) - . /)`, { field: 'phone' });
  return trimmed;
}

function email(value: string | undefined, field: string): string {
  const trimmed = (value ?? '').trim();
  if (!emailPattern.test(trimmed) || trimmed.length > 254) throw new LanyardError('CSP_EMAIL_INVALID', `--${field} "${trimmed}" is not an e-mail address`, { field });
  return trimmed;
}

/**
 * Checks every field of a new customer before anything is sent to Partner Center, each failure
 * with its own stable code naming the option.
 *
 * @example
 *   const valid = validateNewCustomer({ company: 'Fabrikam', domainPrefix: 'fabrikam', … });
 *   valid.domain; // 'fabrikam.onmicrosoft.com'
 */
export function validateNewCustomer(input: NewCustomerInput): ValidCustomerInput {
  const prefix = (input.domainPrefix ?? '').trim().toLowerCase();
  if (!domainPrefixPattern.test(prefix)) {
    throw new LanyardError('CSP_DOMAIN_PREFIX_INVALID', `--domain-prefix "${input.domainPrefix}" must be 1 to 27 letters and digits (it becomes <prefix>.onmicrosoft.com)`, { field: 'domain-prefix' });
  }
  const country = (input.country ?? '').trim().toUpperCase();
  if (!countryPattern.test(country)) throw new LanyardError('CSP_COUNTRY_INVALID', `--country "${input.country}" is not a two-letter ISO 3166-1 country code such as DE or US`, { field: 'country' });
  const phone = phoneNumber(input.phone);
  if (input.mailPasswordTo !== undefined && input.mailPasswordTo !== 'customer' && input.mailPasswordTo !== 'billing') {
    throw new LanyardError('USAGE', '--mail-password-to is customer or billing', { field: 'mail-password-to' });
  }
  if (input.mailPasswordTo === 'billing' && !input.billingEmail) {
    throw new LanyardError('USAGE', '--mail-password-to billing needs --billing-email <address>', { field: 'billing-email' });
  }
  const reseller = input.reseller?.trim().toLowerCase();
  if (reseller !== undefined && !guidPattern.test(reseller)) {
    throw new LanyardError('CSP_RESELLER_ID_INVALID', `--reseller "${input.reseller}" must be the indirect reseller's Partner Center tenant GUID (as \`csp partner add --resellers\` takes it)`, { field: 'reseller' });
  }
  return {
    company: text(input.company, 'company', 'CSP_COMPANY_INVALID', 256),
    domainPrefix: prefix,
    domain: `${prefix}.onmicrosoft.com`,
    email: email(input.email, 'email'),
    country,
    firstName: text(input.firstName, 'first-name', 'CSP_CONTACT_INVALID', 64),
    lastName: text(input.lastName, 'last-name', 'CSP_CONTACT_INVALID', 64),
    address: text(input.address, 'address', 'CSP_ADDRESS_INVALID', 256),
    city: text(input.city, 'city', 'CSP_ADDRESS_INVALID', 128),
    postalCode: text(input.postalCode, 'postal-code', 'CSP_ADDRESS_INVALID', 16),
    ...(input.state !== undefined ? { state: text(input.state, 'state', 'CSP_ADDRESS_INVALID', 64) } : {}),
    ...(phone !== undefined ? { phone } : {}),
    ...(input.organization !== undefined ? { organization: input.organization.trim() } : {}),
    ...(input.mailPasswordTo !== undefined ? { mailPasswordTo: input.mailPasswordTo } : {}),
    ...(input.billingEmail !== undefined ? { billingEmail: email(input.billingEmail, 'billing-email') } : {}),
    ...(reseller !== undefined ? { reseller } : {}),
  };
}

/** The Microsoft Customer Agreement's signer, as typed after `accept-agreement`. */
export interface AgreementContactInput {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone?: string;
}

/**
 * Checks the contact who accepts the Microsoft Customer Agreement (the same rules as at create).
 *
 * @example
 *   const contact = validateAgreementContact({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' });
 */
export function validateAgreementContact(input: AgreementContactInput): AgreementContactInput {
  const phone = phoneNumber(input.phone);
  return {
    firstName: text(input.firstName, 'first-name', 'CSP_CONTACT_INVALID', 64),
    lastName: text(input.lastName, 'last-name', 'CSP_CONTACT_INVALID', 64),
    email: email(input.email, 'email'),
    ...(phone !== undefined ? { phone } : {}),
  };
}
