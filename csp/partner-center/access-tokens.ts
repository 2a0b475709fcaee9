import type { Clock } from '../../core/clock.ts';
import type { CspPartner } from '../data/tables.ts';
import { refreshStored, type PartnerTokenDeps } from '../tokens/partner-tokens.ts';

/** An access token is used until this long before its `exp`, so a call never starts with one about to lapse. */
const renewBeforeMs = 5 * 60_000;

interface CachedToken {
  readonly accessToken: string;
  readonly renewAt: number;
}

/**
 * Partner Center access tokens of this process, one per partner. Each redemption of the refresh
 * token rotates it (and is audited), so a token is redeemed only when the cached access token is
 * about to expire, not on every call. Two calls that find no token at once share one redemption.
 *
 * @example
 *   const tokens = new PartnerAccessTokens({ db, secretBox }, systemClock);
 *   const bearer = await tokens.forPartner(partner, 'cli:root');
 */
export class PartnerAccessTokens {
  readonly #cache = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<string>>();

  constructor(
    private readonly deps: PartnerTokenDeps,
    private readonly clock: Clock,
  ) {}

  async forPartner(partner: CspPartner, actor: string): Promise<string> {
    const cached = this.#cache.get(partner.id);
    if (cached && cached.renewAt > this.clock.now().getTime()) return cached.accessToken;
    const pending = this.#pending.get(partner.id);
    if (pending) return pending;
    const redemption = this.#redeem(partner, actor).finally(() => this.#pending.delete(partner.id));
    this.#pending.set(partner.id, redemption);
    return redemption;
  }

  /** Drops the cached token (Partner Center refused it: the next call redeems a new one). */
  forget(partnerId: string): void {
    this.#cache.delete(partnerId);
  }

  async #redeem(partner: CspPartner, actor: string): Promise<string> {
    const now = this.clock.now();
    const tokens = await refreshStored(this.deps, partner, actor, now);
    this.#cache.set(partner.id, { accessToken: tokens.accessToken, renewAt: expiryOf(tokens.accessToken, now) - renewBeforeMs });
    return tokens.accessToken;
  }
}

/** The token's `exp` in milliseconds; a token without one is treated as valid for ten minutes. */
export function expiryOf(accessToken: string, now: Date): number {
  try {
    const { exp } = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof exp === 'number') return exp * 1000;
  } catch {
    // Not a JWT: fall through to the short default.
  }
  return now.getTime() + 10 * 60_000;
}
