/**
 * `npm run bench [-- <section> …]`: Lanyard's performance figures, each as a ratio to a reference
 * measured in the same run on the same machine, so the numbers mean the same on a laptop and in CI.
 * Sections: tokens, signin, signin-postgres, agent, provisioning, csp, portal (default: all). Speed targets live here, never in timed tests.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { benchCspSync } from './csp-sync.ts';
import { benchPortal } from './portal.ts';
import { benchProvisioning } from './provisioning.ts';
import { benchSignIn } from './signin.ts';
import { benchTokens } from './tokens.ts';
import { formatFigure, peakRssMiB, type BenchFigure } from './measure.ts';

const run = promisify(execFile);

const sections: Record<string, () => Promise<BenchFigure[]>> = {
  tokens: () => benchTokens(),
  signin: () => benchSignIn(),
  'signin-postgres': () => benchSignIn({ postgres: true }),
  provisioning: () => benchProvisioning(),
  csp: () => benchCspSync(),
  portal: () => benchPortal(),
  async agent() {
    // Each size in its own process; inside, the agent and the Lanyard node run in separate processes.
    const sizes = [10_000, 100_000];
    const results = [];
    for (const size of sizes) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'agent-sync.ts'), String(size)], { maxBuffer: 1 << 20, timeout: 900_000 });
      results.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as AgentSyncResult);
    }
    const small = results[0]!;
    const large = results[1]!;
    const times = `${large.entries / small.entries}×`;
    const liveGrowth = large.memory.agent.peakLiveMiB / small.memory.agent.peakLiveMiB;
    const rssGrowth = (large.memory.agent.peakRssMiB ?? NaN) / (small.memory.agent.peakRssMiB ?? NaN);
    return [
      ...results.map((result) => ({ name: `directory full sync of ${result.entries} entries from slapd (agent and Lanyard in separate processes)`, value: result.fullSync.entriesPerSecond, unit: 'entries/s' })),
      ...results.flatMap((result) => [
        { name: `agent peak live memory (heap + Buffers after GC), ${result.entries} entries`, value: result.memory.agent.peakLiveMiB, unit: 'MiB' },
        { name: `agent peak V8 heap after GC, ${result.entries} entries`, value: result.memory.agent.peakHeapMiB, unit: 'MiB' },
        { name: `agent peak RSS, ${result.entries} entries`, value: result.memory.agent.peakRssMiB ?? NaN, unit: 'MiB' },
        { name: `Lanyard node peak live memory, ${result.entries} entries`, value: result.memory.lanyard.peakLiveMiB, unit: 'MiB' },
      ]),
      { name: `agent peak live memory growth for ${times} the entries`, value: liveGrowth, unit: '×', target: '≤ 1.5 (flat)', met: liveGrowth <= 1.5 },
      { name: `agent peak RSS growth for ${times} the entries`, value: rssGrowth, unit: '×', target: '≤ 1.5 (flat)', met: rssGrowth <= 1.5 },
      { name: 'LDAP modify → visible in Lanyard, 2 s interval (max of 5)', value: large.modifyToVisibleMilliseconds.max / 1000, unit: 's', target: '< 5 s', met: large.modifyToVisibleMilliseconds.max < 5000 },
      { name: 'LDAP modify → visible in Lanyard, 2 s interval, deletion scan on every run (max of 5)', value: large.modifyToVisibleScanningEveryRunMilliseconds.max / 1000, unit: 's' },
    ];
  },
};

interface SideMemory {
  peakRssMiB: number | null;
  peakLiveMiB: number;
  peakHeapMiB: number;
}

interface AgentSyncResult {
  entries: number;
  fullSync: { seconds: number; entriesPerSecond: number };
  memory: { agent: SideMemory; lanyard: SideMemory };
  modifyToVisibleMilliseconds: { max: number; mean: number };
  modifyToVisibleScanningEveryRunMilliseconds: { max: number; mean: number };
}

const chosen = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = chosen.filter((name) => !(name in sections));
if (unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(', ')}; choose from ${Object.keys(sections).join(', ')}`);
  process.exit(2);
}
const all: Record<string, BenchFigure[]> = {};
for (const name of chosen.length > 0 ? chosen : Object.keys(sections)) {
  console.log(`# ${name}`);
  const figures = await sections[name]!();
  for (const figure of figures) console.log(formatFigure(figure));
  all[name] = figures;
}
console.log(`# bench process peak RSS: ${peakRssMiB() ?? '?'} MiB`);
const missed = Object.values(all).flat().filter((figure) => figure.met === false);
console.log(missed.length === 0 ? '# every target met' : `# targets not met: ${missed.map((figure) => figure.name).join('; ')}`);
