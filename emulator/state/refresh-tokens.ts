import { randomBytes } from 'node:crypto';

/** Entra's default: a refresh token unused for 90 days expires (sliding, since every use issues a new one). */
export const refreshTokenInactivityMilliseconds = 90 * 24 * 60 * 60 * 1000;

/** What a refresh token carries over from the interactive sign-in: bound to user and client, not to resource or tenant. */
export interface RefreshTokenGrant {
  readonly homeTenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly authenticationMethods: readonly string[];
  /** The original sign-in (ms); a revocation after it invalidates the whole chain. */
  readonly authenticatedAt: number;
}

export interface IssuedRefreshToken {
  readonly grant: RefreshTokenGrant;
  /** When this token was issued, i.e. the chain's last use (ms). */
  issuedAt: number;
  /** Set once the token has been exchanged: the emulator then refuses it (see emulator/README.md). */
  rotated: boolean;
}

export class RefreshTokens {
  readonly #tokens = new Map<string, IssuedRefreshToken>();

  issue(grant: RefreshTokenGrant, now: number): string {
    const token = `0.${randomBytes(96).toString('base64url')}`;
    this.#tokens.set(token, { grant, issuedAt: now, rotated: false });
    return token;
  }

  find(token: string): Readonly<IssuedRefreshToken> | undefined {
    return this.#tokens.get(token);
  }

  /**
   * Exchanges `token` for a new one with the same grant. Compare-and-set: only an unrotated token is
   * exchanged, so two concurrent uses cannot both succeed; `undefined` for the loser.
   */
  rotate(token: string, now: number): string | undefined {
    const issued = this.#tokens.get(token);
    if (!issued || issued.rotated) return undefined;
    issued.rotated = true;
    return this.issue(issued.grant, now);
  }

  /** Makes the user's tokens look unused for longer than the inactivity limit. */
  expireForUser(userId: string, now: number): number {
    let count = 0;
    for (const issued of this.#tokens.values()) {
      if (issued.grant.userId !== userId) continue;
      issued.issuedAt = now - refreshTokenInactivityMilliseconds - 1000;
      count += 1;
    }
    return count;
  }

  clear(): void {
    this.#tokens.clear();
  }
}
