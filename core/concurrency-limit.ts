/**
 * Runs at most `limit` tasks at once; the rest wait in arrival order. Used to keep work that runs
 * on libuv's thread pool from taking every core away from the event loop.
 *
 * @example
 *   const limit = new ConcurrencyLimit(2);
 *   const signature = await limit.run(() => signAsync(data));
 */
export class ConcurrencyLimit {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, not ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running += 1;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so the running count stays at the limit.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }
}
