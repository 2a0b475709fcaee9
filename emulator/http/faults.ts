import { z } from 'zod';

export const faultSchema = z.strictObject({
  /** A JavaScript regular expression tested against the request path (no query string), e.g. `^/v1\\.0/users`. */
  pathPattern: z.string().min(1),
  /** Only this method when set. */
  method: z.string().optional(),
  /** Status to answer with; absent means "only add latency, then serve normally". */
  status: z.number().int().min(200).max(599).optional(),
  /** How many matching requests are affected. */
  count: z.number().int().positive().default(1),
  retryAfterSeconds: z.number().int().min(0).optional(),
  latencyMilliseconds: z.number().int().min(0).max(60_000).optional(),
});

export type FaultInput = z.infer<typeof faultSchema>;

export interface Fault {
  readonly pattern: RegExp;
  readonly method: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly latencyMilliseconds: number | undefined;
  remaining: number;
}

/**
 * Faults the inspect API queued: the next N requests matching a path pattern fail (or slow down).
 * Requests inside a Graph `$batch` are matched one by one, as Graph throttles them one by one.
 */
export class FaultInjector {
  readonly #faults: Fault[] = [];

  add(input: FaultInput): void {
    this.#faults.push({
      pattern: new RegExp(input.pathPattern),
      method: input.method?.toUpperCase(),
      status: input.status,
      retryAfterSeconds: input.retryAfterSeconds,
      latencyMilliseconds: input.latencyMilliseconds,
      remaining: input.count,
    });
  }

  /** The first pending fault for this request, counted as used. */
  take(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex(
      (fault) => (fault.method === undefined || fault.method === method.toUpperCase()) && fault.pattern.test(path),
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index] as Fault;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  list(): readonly Fault[] {
    return this.#faults;
  }

  clear(): void {
    this.#faults.length = 0;
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
