import type { Clock } from '../../core/clock.ts';

/**
 * A clock that moves only when the test says so. `sleep` resolves when `advance` passes its end
 * (or its signal aborts), so code that waits (leases, backoff, polling) is tested without waiting.
 */
export interface ManualClock extends Clock {
  /** Moves time on by `ms`, resolving every sleep that ends by then, in order. */
  advance(ms: number): Promise<void>;
  /** Sleeps not yet resolved. */
  pendingSleeps(): number;
}

export function createManualClock(start = new Date('2026-01-01T00:00:00.000Z')): ManualClock {
  let current = start.getTime();
  const sleepers: Array<{ until: number; resolve: () => void }> = [];
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => new Date(current),
    sleep(ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const sleeper = { until: current + ms, resolve };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', () => {
          const index = sleepers.indexOf(sleeper);
          if (index >= 0) sleepers.splice(index, 1);
          resolve();
        }, { once: true });
      });
    },
    async advance(ms) {
      const target = current + ms;
      for (;;) {
        await flush();
        sleepers.sort((a, b) => a.until - b.until);
        const due = sleepers[0];
        if (!due || due.until > target) break;
        sleepers.shift();
        current = due.until;
        due.resolve();
      }
      current = target;
      await flush();
    },
    pendingSleeps: () => sleepers.length,
  };
}
