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
  /** Matching requests let through untouched first: `skip: 4, count: 1` fails only the fifth (e.g. one member mid-batch). */
  skip: z.number().int().min(0).default(0),
  /**
   * Close the connection without an answer, as a network failure does: `before` the request is
   * served, or `after` it was (the change happened but the client never learns). Top-level requests only.
   */
  dropConnection: z.enum(['before', 'after']).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  latencyMilliseconds: z.number().int().min(0).max(60_000).optional(),
  /**
   * Hold the request (top-level requests only) until `POST /_emulator/faults/release`: a test steps
   * a client through its requests one at a time, deterministically, instead of racing a latency.
   */
  hold: z.boolean().optional(),
});

export type FaultInput = z.infer<typeof faultSchema>;

export interface Fault {
  readonly pattern: RegExp;
  readonly method: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly latencyMilliseconds: number | undefined;
  readonly dropConnection: 'before' | 'after' | undefined;
  readonly hold: boolean;
  remaining: number;
  skip: number;
}

/**
 * Faults the inspect API queued: the next N requests matching a path pattern fail (or slow down).
 * Requests inside a Graph `$batch` are matched one by one, as Graph throttles them one by one.
 */
export class FaultInjector {
  readonly #faults: Fault[] = [];
  readonly #held: Array<() => void> = [];

  add(input: FaultInput): void {
    this.#faults.push({
      pattern: new RegExp(input.pathPattern),
      method: input.method?.toUpperCase(),
      status: input.status,
      retryAfterSeconds: input.retryAfterSeconds,
      latencyMilliseconds: input.latencyMilliseconds,
      dropConnection: input.dropConnection,
      hold: input.hold ?? false,
      remaining: input.count,
      skip: input.skip,
    });
  }

  /** The first pending fault for this request, counted as used. */
  take(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex(
      (fault) => (fault.method === undefined || fault.method === method.toUpperCase()) && fault.pattern.test(path),
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index] as Fault;
    if (fault.skip > 0) {
      fault.skip -= 1;
      return undefined;
    }
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  list(): readonly Fault[] {
    return this.#faults;
  }

  clear(): void {
    this.#faults.length = 0;
    this.release();
  }

  /** Waits until the held requests are released. */
  hold(): Promise<void> {
    return new Promise((resolve) => this.#held.push(resolve));
  }

  /** How many requests are waiting for `release`. */
  get heldCount(): number {
    return this.#held.length;
  }

  /** Lets every held request go on; how many there were. */
  release(): number {
    const waiting = this.#held.splice(0);
    for (const resume of waiting) resume();
    return waiting.length;
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
