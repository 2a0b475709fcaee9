import { systemClock, type Clock } from '../core/clock.ts';

/**
 * Fixed-rate repetition for the agent loop: runs start every `intervalMilliseconds` counted from
 * the first (which starts at once), not `intervalMilliseconds` after the previous run ended. With a
 * fixed delay a change waits up to interval + run time, and one long run (a deletion scan of a big
 * directory) pushes every later delta back. Runs never overlap: a run that overran its slot is
 * followed at once by the next, and the schedule counts on from that start.
 *
 * `task` must not reject; the agent's sync wrapper logs and swallows its failures. `clock` tells
 * the time and waits (a manual clock in tests).
 *
 * @example
 *   const loop = repeatAtFixedRate(60_000, syncOnce);
 *   await loop.stop();
 */
export interface FixedRateLoop {
  /** Stops scheduling; resolves once the run in progress (if any) has ended. */
  stop(): Promise<void>;
}

export function repeatAtFixedRate(intervalMilliseconds: number, task: () => Promise<void>, clock: Clock = systemClock): FixedRateLoop {
  let stopped = false;
  const stopping = new AbortController();
  const loop = async () => {
    let nextStart = clock.now().getTime();
    while (!stopped) {
      await task();
      const now = clock.now().getTime();
      nextStart = Math.max(nextStart + intervalMilliseconds, now);
      if (stopped) break;
      // Never more than one interval, even if the system clock was set back during the run.
      await clock.sleep(Math.min(nextStart - now, intervalMilliseconds), stopping.signal);
    }
  };
  const finished = loop();
  return {
    async stop() {
      stopped = true;
      stopping.abort();
      await finished;
    },
  };
}
