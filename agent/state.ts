import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Checkpoint } from './change-tracking.ts';
import type { AgentConfig } from './config.ts';

/**
 * The agent's durable state in `stateDir/state.json`: the delta checkpoint and the fingerprint of
 * what it was computed for (Lanyard organization, directory, scope, mapping). A restarted agent
 * resumes with a delta; a changed scope or mapping forces a full sync, since a checkpoint from a
 * different scope would miss entries. Written to a temp file and renamed, so a crash mid-write
 * leaves the previous state intact.
 *
 * @example
 *   const state = readAgentState(config.stateDir);
 *   writeAgentState(config.stateDir, { ...state, checkpoint });
 */
const stateSchema = z.object({
  version: z.literal(1),
  fingerprint: z.string(),
  checkpoint: z.object({ tracking: z.enum(['modifyTimestamp', 'uSNChanged']), value: z.string(), server: z.string().nullable() }).nullable(),
  lastFullSyncAt: z.string().nullable(),
  lastSyncAt: z.string().nullable(),
  /** Start of the last successful run that scanned the scope for deletions (absent in older files). */
  lastDeletionScanAt: z.string().nullable().default(null),
});

export type AgentState = z.infer<typeof stateSchema>;

const fileName = 'state.json';

export function readAgentState(stateDir: string): AgentState | null {
  let text: string;
  try {
    text = readFileSync(path.join(stateDir, fileName), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function writeAgentState(stateDir: string, state: AgentState): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const target = path.join(stateDir, fileName);
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, target);
}

/** What a checkpoint is valid for: a change to any of these needs a full sync. */
export function scopeFingerprint(config: AgentConfig, organizationId: string): string {
  const scope = {
    organizationId,
    server: config.server,
    url: config.ldap.url,
    baseDns: config.ldap.baseDns,
    excludeDns: config.ldap.excludeDns,
    filter: config.ldap.filter,
    mapping: config.mapping,
    changeTracking: config.changeTracking,
  };
  return createHash('sha256').update(JSON.stringify(scope)).digest('hex');
}

export function resumableCheckpoint(state: AgentState | null, fingerprint: string): Checkpoint | null {
  return state && state.fingerprint === fingerprint ? state.checkpoint : null;
}

/**
 * Whether a delta run starting at `now` should scan the scope for deletions: when the last scan is
 * at least `deletionScanSeconds` old, less half an interval, so that "every 60 s" on a 60 s schedule
 * means every run rather than every other one when a timer fires a little early or a run starts
 * late. No recorded scan, or a clock set back, means scan.
 *
 * @example
 *   deletionScanDue(state?.lastDeletionScanAt ?? null, config, new Date());
 */
export function deletionScanDue(lastScanAt: string | null, config: Pick<AgentConfig, 'deletionScanSeconds' | 'intervalSeconds'>, now: Date): boolean {
  if (lastScanAt === null) return true;
  const elapsed = now.getTime() - Date.parse(lastScanAt);
  if (!(elapsed >= 0)) return true;
  return elapsed >= (config.deletionScanSeconds - config.intervalSeconds / 2) * 1000;
}
