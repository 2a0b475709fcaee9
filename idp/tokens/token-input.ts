import { randomBytes } from 'node:crypto';
import { LanyardError } from '../../core/errors.ts';

/** Microsoft's relying party: audience, realm and SAML SP entity ID for every M365 tenant. */
export const microsoftOnlineAudience = 'urn:federation:MicrosoftOnline';

/** The value Entra reads as "the IdP did MFA" (WS-Fed claim value and SAML AuthnContextClassRef). */
export const multipleAuthnUri = 'http://schemas.microsoft.com/claims/multipleauthn';

/**
 * Tokens are valid from a little before `now`, so a relying party whose clock runs slightly behind
 * does not reject a token as "not yet valid". AD FS and AADInternals do the same; Entra does not
 * document its skew, so this stays small.
 */
export const notBeforeSkewMilliseconds = 5 * 60_000;

/** What both token formats say about one sign-in. */
export interface TokenInput {
  /** The domain's issuerUri, copied byte-for-byte into the token. */
  readonly issuer: string;
  /** Entra's onPremisesImmutableId: the only key Entra uses to find the user. */
  readonly immutableId: string;
  readonly upn: string;
  /** When the password (first factor) was checked. */
  readonly authnInstant: Date;
  /** True only after a real second factor in this session: Entra trusts the claim blindly. */
  readonly mfa: boolean;
  readonly now: Date;
  readonly lifetimeMinutes: number;
  /** Defaults to urn:federation:MicrosoftOnline. */
  readonly audience?: string;
}

/** The times and identifiers every token derives from its input. */
export interface TokenTimes {
  readonly issueInstant: string;
  readonly notBefore: string;
  readonly notOnOrAfter: string;
  readonly authnInstant: string;
}

/**
 * Checks the inputs both builders share and derives the token's times. Values are escaped later;
 * this only refuses inputs that would make a token Entra rejects or misreads (empty issuer, empty
 * immutable ID, a lifetime that is not a positive number of minutes, invalid dates).
 */
export function tokenTimes(input: TokenInput): TokenTimes {
  requireText('issuer', input.issuer);
  requireText('immutableId', input.immutableId);
  requireText('upn', input.upn);
  if (input.audience !== undefined) requireText('audience', input.audience);
  if (!Number.isFinite(input.lifetimeMinutes) || input.lifetimeMinutes <= 0 || input.lifetimeMinutes > 24 * 60) {
    throw new LanyardError('TOKEN_INPUT_INVALID', 'lifetimeMinutes must be between 0 and 1440');
  }
  const now = input.now.getTime();
  if (Number.isNaN(now) || Number.isNaN(input.authnInstant.getTime())) {
    throw new LanyardError('TOKEN_INPUT_INVALID', 'now and authnInstant must be valid dates');
  }
  return {
    issueInstant: input.now.toISOString(),
    notBefore: new Date(now - notBeforeSkewMilliseconds).toISOString(),
    notOnOrAfter: new Date(now + input.lifetimeMinutes * 60_000).toISOString(),
    authnInstant: input.authnInstant.toISOString(),
  };
}

/** Throws TOKEN_INPUT_INVALID when `value` is not a non-empty string. */
export function requireText(name: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new LanyardError('TOKEN_INPUT_INVALID', `${name} must not be empty`);
  }
}

/**
 * A fresh xs:ID (an NCName: `_` then hex) with 160 random bits, for AssertionID / ID attributes
 * that relying parties use for replay detection.
 */
export function randomXmlId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}
