/**
 * How a user signs in interactively and what the token endpoint enforces for them. Kept apart from the
 * Graph user record so Graph never shows it.
 */
export interface SignInPolicy {
  /** False: the user "has no MFA registered", signs in with the password alone and gets `amr: ['pwd']`. */
  mfaRegistered: boolean;
  /** True: a Conditional Access policy blocks token issuance for the user (AADSTS53003). */
  conditionalAccessBlocked: boolean;
  /**
   * True: a Conditional Access policy requires MFA for the user: a token request whose grant was
   * obtained without it (`amr` lacking `mfa`) is refused with AADSTS50076.
   */
  conditionalAccessRequiresMfa: boolean;
  /**
   * Refresh tokens issued before this instant are revoked (AADSTS50173), like Graph's
   * `signInSessionsValidFromDateTime` after a password reset or revokeSignInSessions.
   */
  tokensValidFrom: number;
}

export const defaultSignInPolicy: Readonly<SignInPolicy> = Object.freeze({
  mfaRegistered: true,
  conditionalAccessBlocked: false,
  conditionalAccessRequiresMfa: false,
  tokensValidFrom: 0,
});

export class SignInPolicies {
  readonly #policies = new Map<string, SignInPolicy>();

  /** The user's policy; users never configured get the default (MFA registered, not blocked). */
  get(userId: string): Readonly<SignInPolicy> {
    return this.#policies.get(userId) ?? defaultSignInPolicy;
  }

  update(userId: string, changes: Partial<SignInPolicy>): Readonly<SignInPolicy> {
    const policy = { ...this.get(userId), ...changes };
    this.#policies.set(userId, policy);
    return policy;
  }

  clear(): void {
    this.#policies.clear();
  }
}
