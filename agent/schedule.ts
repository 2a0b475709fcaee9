/**
 * Fixed-rate repetition for the agent loop: runs start every `intervalMilliseconds` counted from
 * the first (which starts at once), not `intervalMilliseconds` after the previous run ended. With a
 * fixed delay a change waits up to interval + run time, and one long run (a deletion scan of a big
 * directory) pushes every later delta back. Runs never overlap: a run that overran its slot is
 * followed at once by the next, and the schedule counts on from that start.
 *
 * `task` must not reject; the agent's sync wrapper logs and swallows its failures.
 *
 * @example
 *   const loop = repeatAtFixedRate(60_000, syncOnce);
 *   await loop.stop();
 */
export interface FixedRateLoop {
  /** Stops scheduling; resolves once the run in progress (if any) has ended. */
  stop(): Promise<void>;
}

export function repeatAtFixedRate(intervalMilliseconds: number, task: () => Promise<void>): FixedRateLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const loop = async () => {
    let nextStart = performance.now();
    while (!stopped) {
      await task();
      const now = performance.now();
      nextStart = Math.max(nextStart + intervalMilliseconds, now);
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, nextStart - now);
      });
    }
  };
  const finished = loop();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await finished;
    },
  };
}
