import { randomBytes } from 'node:crypto';

/** Entra documents codes as short-lived, "about 10 minutes". */
export const authorizationCodeLifetimeMilliseconds = 10 * 60 * 1000;

/** What a code stands for: the sign-in it ends and the authorize request it answers. */
export interface AuthorizationCodeGrant {
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly redirectUri: string;
  /** The scopes of the authorize request, as sent. */
  readonly scopes: readonly string[];
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: 'S256' | 'plain' | undefined;
  readonly nonce: string | undefined;
  /** `['pwd']` or `['pwd', 'mfa']`. */
  readonly authenticationMethods: readonly string[];
  /** When the user signed in (ms). */
  readonly authenticatedAt: number;
}

export type CodeRedemption =
  | { readonly outcome: 'unknown' }
  | { readonly outcome: 'already-redeemed' | 'expired' | 'redeemed'; readonly grant: AuthorizationCodeGrant; readonly issuedAt: number };

interface IssuedCode {
  readonly grant: AuthorizationCodeGrant;
  readonly issuedAt: number;
  redeemed: boolean;
}

/** Issued codes. A code is consumed by its first redemption attempt, whatever the outcome of the later checks. */
export class AuthorizationCodes {
  readonly #codes = new Map<string, IssuedCode>();

  issue(grant: AuthorizationCodeGrant, now: number): string {
    const code = `1.${randomBytes(48).toString('base64url')}`;
    this.#codes.set(code, { grant, issuedAt: now, redeemed: false });
    return code;
  }

  redeem(code: string, now: number): CodeRedemption {
    const issued = this.#codes.get(code);
    if (!issued) return { outcome: 'unknown' };
    const { grant, issuedAt } = issued;
    if (issued.redeemed) return { outcome: 'already-redeemed', grant, issuedAt };
    if (issuedAt + authorizationCodeLifetimeMilliseconds <= now) return { outcome: 'expired', grant, issuedAt };
    issued.redeemed = true;
    return { outcome: 'redeemed', grant, issuedAt };
  }

  clear(): void {
    this.#codes.clear();
  }
}
