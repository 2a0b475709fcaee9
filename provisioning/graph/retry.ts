import { GraphError } from '@microsoft/microsoft-graph-client';

/**
 * Retries for Graph calls. Graph asks clients to wait `Retry-After` seconds after a 429 and to
 * back off exponentially on 5xx (docs "throttling" and "best practices"); network failures are
 * treated like a 5xx. Anything else (400, 403, 404) is an answer, not a fault, and is returned or
 * thrown at once.
 */
export interface RetryPolicy {
  /** Attempts per request for 5xx and network errors (the first one included). */
  readonly maxAttempts: number;
  /** Attempts per request while Graph keeps answering 429 (a throttling storm). */
  readonly maxThrottledAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({ maxAttempts: 6, maxThrottledAttempts: 60, baseDelayMs: 500, maxDelayMs: 30_000 });

/** What a run learns about Graph's behaviour: reported with the run and by the bench. */
export interface GraphCallStats {
  throttled: number;
  retried: number;
}

export function newGraphCallStats(): GraphCallStats {
  return { throttled: 0, retried: 0 };
}

/** Status codes worth another attempt; 0 and negatives stand for "no answer" (network). */
export function isTransientStatus(status: number): boolean {
  return status <= 0 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * How long to wait before the next attempt: `Retry-After` when Graph gave one, else exponential
 * backoff with full jitter (so many clients do not retry in step).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfter: string | null | undefined): number {
  const seconds = retryAfter === null || retryAfter === undefined ? Number.NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, policy.maxDelayMs * 4);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * Runs `operation` (one Graph request through the Graph client) until it succeeds, fails with a
 * non-transient error, or runs out of attempts.
 *
 * @example
 *   const page = await withGraphRetry(() => client.api(next).get(), { stats });
 */
export async function withGraphRetry<T>(operation: () => Promise<T>, options: { stats?: GraphCallStats; policy?: RetryPolicy } = {}): Promise<T> {
  const policy = options.policy ?? defaultRetryPolicy;
  let faults = 0;
  let throttles = 0;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      const status = error instanceof GraphError ? error.statusCode : -1;
      if (!isTransientStatus(status) || !isGraphOrNetworkError(error)) throw error;
      if (status === 429) throttles += 1;
      else faults += 1;
      if (options.stats) {
        options.stats.retried += 1;
        if (status === 429) options.stats.throttled += 1;
      }
      if (faults >= policy.maxAttempts || throttles >= policy.maxThrottledAttempts) throw error;
      const retryAfter = error instanceof GraphError ? error.headers?.get('retry-after') : undefined;
      await sleep(retryDelayMs(policy, status === 429 ? throttles : faults, retryAfter));
    }
  }
}

/**
 * Graph answers and network failures. The Graph client wraps everything as GraphError, a failed
 * fetch with status -1 and code 'TypeError'; a token failure (our LanyardError) is not retried here,
 * MSAL has its own retries.
 */
function isGraphOrNetworkError(error: unknown): boolean {
  if (!(error instanceof GraphError)) return false;
  return error.statusCode > 0 || error.code !== 'LanyardError';
}
