import { describe, expect, it } from 'vitest';
import type { AgentApi } from '../../agent/api-client.ts';
import { startAgent } from '../../agent/runtime.ts';
import { repeatAtFixedRate } from '../../agent/schedule.ts';
import { dialects } from '../harness/databases.ts';
import { quietLogger, useAgentTestWorld } from './agent-fixture.ts';
import { createScenario } from './scenario.ts';

/**
 * Threat: with a fixed delay after each run, a change waited up to interval + run time, and one
 * slow run (a deletion scan of a large directory) pushed every later delta back. Invariants: runs
 * start every interval counted from the first; a run that overran its slot is followed at once;
 * runs never overlap; stop() waits for the run in progress. Timings have generous margins (the
 * machine is shared): each assertion separates fixed rate from fixed delay by ≥ 150 ms.
 */
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const gaps = (starts: readonly number[]) => starts.slice(1).map((start, index) => start - starts[index]!);

describe('repeatAtFixedRate', () => {
  it('starts runs every interval, not an interval after the previous run ended', async () => {
    const starts: number[] = [];
    const loop = repeatAtFixedRate(300, async () => {
      starts.push(performance.now());
      await sleep(180);
    });
    while (starts.length < 4) await sleep(20);
    await loop.stop();
    // Each start is due one interval after the first start (a late timer shortens the next gap,
    // so single gaps are not checked): three intervals span ~900 ms; fixed delay would be ≥ 1440 ms.
    const span = starts[3]! - starts[0]!;
    expect(span).toBeGreaterThanOrEqual(880);
    expect(span).toBeLessThan(1380);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThan(150);
  });

  it('starts the next run at once after one that overran, and never overlaps runs', async () => {
    const starts: number[] = [];
    const durations = [450, 50, 50];
    let running = 0;
    let overlapped = false;
    const loop = repeatAtFixedRate(200, async () => {
      overlapped ||= running > 0;
      running += 1;
      starts.push(performance.now());
      await sleep(durations[starts.length - 1] ?? 50);
      running -= 1;
    });
    while (starts.length < 3) await sleep(10);
    await loop.stop();
    const [afterOverrun, next] = gaps(starts) as [number, number];
    // At once after the 450 ms run (fixed delay: 650 ms), then one interval from that start.
    expect(afterOverrun).toBeGreaterThanOrEqual(440);
    expect(afterOverrun).toBeLessThan(640);
    expect(next).toBeGreaterThanOrEqual(150);
    expect(next).toBeLessThan(450);
    expect(overlapped).toBe(false);
  });

  it('stop() waits for the run in progress and starts no more', async () => {
    let finished = 0;
    let started = 0;
    const loop = repeatAtFixedRate(50, async () => {
      started += 1;
      await sleep(150);
      finished += 1;
    });
    await sleep(20);
    await loop.stop();
    expect({ started, finished }).toEqual({ started: 1, finished: 1 });
    await sleep(120);
    expect(started).toBe(1);
  });
});

describe.each(dialects.slice(0, 1))('the agent loop on %s', (dialect) => {
  const world = useAgentTestWorld(dialect);

  it('starts a sync every intervalSeconds even when each sync takes a large part of the interval', async () => {
    const scenario = await createScenario(world.database.db, world.node, world.slapd);
    await scenario.addPeople(['loop1']);
    const starts: number[] = [];
    const slow: AgentApi = {
      ...scenario.agent.api,
      startRun: (mode, version) => {
        starts.push(performance.now());
        return scenario.agent.api.startRun(mode, version);
      },
      completeRun: async (runId, deletions, checkpoint) => {
        await sleep(600);
        return scenario.agent.api.completeRun(runId, deletions, checkpoint);
      },
    };
    const agent = startAgent({ config: { ...scenario.agent.config, intervalSeconds: 1 }, secrets: scenario.agent.secrets, logger: quietLogger, api: slow, pollWaitSeconds: 1 });
    while (starts.length < 3) await sleep(20);
    await agent.stop();
    expect(agent.reports.every((report) => report.outcome === 'success')).toBe(true);
    // Fixed delay would give gaps of 1.6 s and more.
    for (const gap of gaps(starts)) expect(gap).toBeLessThan(1400);
  });
});
