import type { Partner } from './model.ts';

interface Window {
  startedAt: number;
  used: number;
}

/**
 * Partner Center throttling per partner tenant (api-throttling-guidance): 429 with `Retry-After`. The
 * real limits are per operation (e.g. 500 subscription requests a minute); EMULATOR CHOICE: one fixed
 * window per partner, scaled down by the seed so tests reach it, and switchable.
 */
export class PartnerCenterThrottle {
  readonly #windows = new Map<string, Window>();

  /** Seconds to wait when refused, or 0 when the request may proceed. */
  consume(partner: Partner, now: number): number {
    const limits = partner.throttle;
    if (!limits.enabled) return 0;
    const window = this.#windows.get(partner.tenantId) ?? { startedAt: now, used: 0 };
    this.#windows.set(partner.tenantId, window);
    if (now - window.startedAt >= limits.windowSeconds * 1000) {
      window.startedAt = now;
      window.used = 0;
    }
    if (window.used >= limits.requestsPerWindow) {
      return Math.max(1, Math.ceil((window.startedAt + limits.windowSeconds * 1000 - now) / 1000));
    }
    window.used += 1;
    return 0;
  }

  clear(): void {
    this.#windows.clear();
  }
}
