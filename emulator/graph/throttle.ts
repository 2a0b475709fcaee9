import type { Tenant } from '../state/model.ts';

export interface ThrottleDecision {
  readonly allowed: boolean;
  readonly resourceUnits: number;
  /** Seconds until the exhausted window resets (only when refused). */
  readonly retryAfterSeconds: number;
  readonly information: 'ResourceUnitLimitExceeded' | 'WriteLimitExceeded' | undefined;
}

interface Window {
  startedAt: number;
  used: number;
}

interface Counters {
  resourceUnits: Window;
  writes: Window;
}

/**
 * Graph's identity-and-access throttling per app + tenant: a resource-unit quota and a write quota, each
 * over its own window (Graph docs "throttling-limits"). Microsoft uses token buckets; fixed windows keep
 * the emulator predictable while answering the same way: 429, `Retry-After`, `TooManyRequests`.
 */
export class Throttle {
  readonly #counters = new Map<string, Counters>();

  /** Counts one request (a `$batch` sub-request counts on its own) and says whether Graph would serve it. */
  consume(tenant: Tenant, appId: string, cost: { resourceUnits: number; isWrite: boolean }, now: number): ThrottleDecision {
    const key = `${tenant.id}/${appId}`;
    const counters = this.#counters.get(key) ?? {
      resourceUnits: { startedAt: now, used: 0 },
      writes: { startedAt: now, used: 0 },
    };
    this.#counters.set(key, counters);
    const limits = tenant.throttle;
    roll(counters.resourceUnits, limits.windowSeconds, now);
    roll(counters.writes, limits.writeWindowSeconds, now);
    if (counters.resourceUnits.used + cost.resourceUnits > limits.resourceUnitsPerWindow) {
      return refused(counters.resourceUnits, limits.windowSeconds, now, cost.resourceUnits, 'ResourceUnitLimitExceeded');
    }
    if (cost.isWrite && counters.writes.used + 1 > limits.writesPerWindow) {
      return refused(counters.writes, limits.writeWindowSeconds, now, cost.resourceUnits, 'WriteLimitExceeded');
    }
    counters.resourceUnits.used += cost.resourceUnits;
    if (cost.isWrite) counters.writes.used += 1;
    return { allowed: true, resourceUnits: cost.resourceUnits, retryAfterSeconds: 0, information: undefined };
  }

  clear(): void {
    this.#counters.clear();
  }
}

/**
 * Graph's published cost model for directory requests: GET /users 2, GET /subscribedSkus 3, other GETs 1,
 * writes 1 plus a write; `$select` −1, `$expand` +1, `$top` under 20 −1; never below 1.
 */
export function requestCost(method: string, path: string, query: URLSearchParams): { resourceUnits: number; isWrite: boolean } {
  const isWrite = method !== 'GET';
  let units = 1;
  if (!isWrite) {
    if (/^\/users\/?$/i.test(path)) units = 2;
    else if (/^\/subscribedSkus\/?$/i.test(path)) units = 3;
    if (query.has('$select')) units -= 1;
    if (query.has('$expand')) units += 1;
    const top = Number(query.get('$top'));
    if (query.has('$top') && Number.isFinite(top) && top < 20) units -= 1;
  }
  return { resourceUnits: Math.max(1, units), isWrite };
}

function roll(window: Window, seconds: number, now: number): void {
  if (now - window.startedAt >= seconds * 1000) {
    window.startedAt = now;
    window.used = 0;
  }
}

function refused(
  window: Window,
  seconds: number,
  now: number,
  resourceUnits: number,
  information: ThrottleDecision['information'],
): ThrottleDecision {
  const remainingMilliseconds = window.startedAt + seconds * 1000 - now;
  return {
    allowed: false,
    resourceUnits,
    retryAfterSeconds: Math.max(1, Math.ceil(remainingMilliseconds / 1000)),
    information,
  };
}
