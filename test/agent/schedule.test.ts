import { describe, expect, it } from 'vitest';
import type { AgentApi } from '../../agent/api-client.ts';
import { startAgent } from '../../agent/runtime.ts';
import { repeatAtFixedRate } from '../../agent/schedule.ts';
import { dialects } from '../harness/databases.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { quietLogger, useAgentTestWorld } from './agent-fixture.ts';
import { createScenario } from './scenario.ts';

/**
 * Threat: with a fixed delay after each run, a change waited up to interval + run time, and one
 * slow run (a deletion scan of a large directory) pushed every later delta back. Invariants: runs
 * start every interval counted from the first; a run that overran its slot is followed at once;
 * runs never overlap; stop() waits for the run in progress. Time is a manual clock (runs "take"
 * time by sleeping on it), so every start is asserted exactly.
 */
const realPause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('repeatAtFixedRate', () => {
  it('starts runs every interval, not an interval after the previous run ended', async () => {
    const clock = createManualClock();
    const origin = clock.now().getTime();
    const starts: number[] = [];
    const loop = repeatAtFixedRate(300, async () => {
      starts.push(clock.now().getTime() - origin);
      await clock.sleep(180);
    }, clock);
    await clock.advance(1000);
    const stopped = loop.stop();
    await clock.advance(80);
    await stopped;
    // Fixed delay would start at 0, 480, 960.
    expect(starts).toEqual([0, 300, 600, 900]);
  });

  it('starts the next run at once after one that overran, and never overlaps runs', async () => {
    const clock = createManualClock();
    const origin = clock.now().getTime();
    const starts: number[] = [];
    const durations = [450, 50, 50];
    let running = 0;
    let overlapped = false;
    const loop = repeatAtFixedRate(200, async () => {
      overlapped ||= running > 0;
      running += 1;
      starts.push(clock.now().getTime() - origin);
      await clock.sleep(durations[starts.length - 1] ?? 50);
      running -= 1;
    }, clock);
    await clock.advance(700);
    await loop.stop();
    // At once after the 450 ms run (fixed delay: 650), then one interval from that start.
    expect(starts).toEqual([0, 450, 650]);
    expect(overlapped).toBe(false);
  });

  it('stop() waits for the run in progress and starts no more', async () => {
    const clock = createManualClock();
    let finished = 0;
    let started = 0;
    const loop = repeatAtFixedRate(50, async () => {
      started += 1;
      await clock.sleep(150);
      finished += 1;
    }, clock);
    await clock.advance(20);
    let stoppedYet = false;
    const stopped = loop.stop().then(() => { stoppedYet = true; });
    await clock.advance(100);
    expect(stoppedYet).toBe(false);
    await clock.advance(30);
    await stopped;
    expect({ started, finished }).toEqual({ started: 1, finished: 1 });
    await clock.advance(1000);
    expect(started).toBe(1);
    expect(clock.pendingSleeps()).toBe(0);
  });
});

describe.each(dialects.slice(0, 1))('the agent loop on %s', (dialect) => {
  const world = useAgentTestWorld(dialect);

  it('starts a sync every intervalSeconds even when each sync takes a large part of the interval', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await scenario.addPeople(['loop1']);
    const clock = createManualClock();
    const origin = clock.now().getTime();
    const starts: number[] = [];
    const slow: AgentApi = {
      ...scenario.agent.api,
      startRun: (mode, version) => {
        starts.push(clock.now().getTime() - origin);
        return scenario.agent.api.startRun(mode, version);
      },
      completeRun: async (runId, deletions, checkpoint) => {
        await clock.sleep(600);
        return scenario.agent.api.completeRun(runId, deletions, checkpoint);
      },
    };
    const agent = startAgent({ config: { ...scenario.agent.config, intervalSeconds: 1 }, secrets: scenario.agent.secrets, logger: quietLogger, api: slow, pollWaitSeconds: 1, clock });
    // The sync's own work (LDAP, HTTP) takes no clock time: the clock moves only while the agent
    // waits on it, first 600 ms inside the sync, then until the next start.
    const nextSleep = async () => {
      while (clock.pendingSleeps() === 0) await realPause();
    };
    for (let sync = 0; sync < 3; sync += 1) {
      await nextSleep();
      await clock.advance(600);
      await nextSleep();
      if (sync < 2) await clock.advance(400);
    }
    await agent.stop();
    expect(agent.reports.map((report) => report.outcome)).toEqual(['success', 'success', 'success']);
    // Fixed delay would start at 0, 1600, 3200.
    expect(starts).toEqual([0, 1000, 2000]);
  });
});
