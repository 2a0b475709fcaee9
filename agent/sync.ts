import type { Client, Entry } from 'ldapts';
import { isLanyardError, LanyardError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { anchorFilterValue } from './anchor.ts';
import { AnchorSet } from './anchor-set.ts';
import type { AgentApi } from './api-client.ts';
import { advanceTimestampMark, canResume, deltaFilter, nextCheckpoint, timestampCeiling, trackingAttributes, type Checkpoint } from './change-tracking.ts';
import type { AgentConfig } from './config.ts';
import { compareWithLanyard } from './deletions.ts';
import { openDirectory } from './ldap/connection.ts';
import { attributeValue, readContextCsns, readRootDse, searchScope } from './ldap/scope.ts';
import { entryAttributes, isBinaryAnchor, mapEntry, readAnchor } from './mapping.ts';
import type { DirectoryEntry, EntryFailure, RejectedEntry } from './protocol.ts';
import { maxBatchEntries } from './protocol.ts';
import { deletionScanDue, readAgentState, resumableCheckpoint, scopeFingerprint, writeAgentState } from './state.ts';

/**
 * One sync run: full (no usable checkpoint) or delta (entries changed since the checkpoint).
 *
 * 1. Take the organization's sync lease (another agent syncing → skipped, not run twice).
 * 2. Read changed entries page by page, map them, push them in batches (each applied by Lanyard in
 *    one transaction).
 * 3. Deletions: list the anchors in scope (full: from step 2; delta: an anchors-only paged search)
 *    and compare with the anchors Lanyard holds as active; the difference is disabled. Anchors in
 *    scope that Lanyard lacks (and were not pushed this run) are fetched and pushed, so a failed or
 *    skipped earlier run heals itself. The scan costs time in proportion to the directory, so a
 *    delta run of the fixed-rate loop (`deletionScan: 'when-due'`) only does it every
 *    `deletionScanSeconds` (the time of the last scan is kept in stateDir): that loop runs again
 *    soon and scans then. Every other run scans, whatever the time of the last scan: a one-shot
 *    run (`run --once`, cron) has no later run of its own to catch up, and deferring there left
 *    deleted employees active. A full sync always scans. The changes of step 2 are already
 *    applied by then.
 * 4. Complete: Lanyard applies the deletions in one transaction, or stops at the deletion guard.
 *    Only then is the checkpoint stored, so an interrupted or guarded run is repeated next time.
 *
 * @example
 *   const report = await runSync({ config, bindPassword, api, logger });
 */
export interface SyncReport {
  readonly outcome: 'success' | 'skipped' | 'guarded';
  readonly mode: 'full' | 'delta';
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly disabled: number;
  /** Whether this run scanned the scope for deletions (always for full syncs). */
  readonly deletionScan: boolean;
  readonly failed: readonly EntryFailure[];
}

export interface SyncDeps {
  readonly config: AgentConfig;
  readonly bindPassword: string;
  readonly api: AgentApi;
  readonly logger: Logger;
  readonly version?: string;
  /**
   * `always` (the default): this run scans for deletions. `when-due`: only when the last scan is
   * `deletionScanSeconds` old; for the fixed-rate loop alone, which is sure to run again.
   */
  readonly deletionScan?: 'always' | 'when-due';
}

export async function runSync(deps: SyncDeps): Promise<SyncReport> {
  const { config, api, logger } = deps;
  const startedAt = new Date();
  const whoami = await api.whoami();
  const fingerprint = scopeFingerprint(config, whoami.organization.id);
  const state = readAgentState(config.stateDir);

  let client: Client;
  try {
    client = await openDirectory(config.ldap, deps.bindPassword);
  } catch (error) {
    await reportAgentError(api, error);
    throw error;
  }
  try {
    const dse = config.changeTracking === 'uSNChanged' ? await readRootDse(client, ['highestCommittedUSN', 'dsServiceName']) : undefined;
    const dcServer = dse ? stringValue(dse, 'dsServiceName') : null;
    const stored = resumableCheckpoint(state, fingerprint);
    const checkpoint = canResume(stored, config.changeTracking, dcServer) ? stored : null;
    const mode = checkpoint ? 'delta' : 'full';
    const deletionScan = mode === 'full' || deps.deletionScan !== 'when-due' || deletionScanDue(state?.lastDeletionScanAt ?? null, config, startedAt);

    let run;
    try {
      run = await api.startRun(mode, deps.version);
    } catch (error) {
      if (isLanyardError(error, 'SYNC_LEASE_HELD')) {
        logger.info('another agent is syncing this organization; skipping this run', { code: error.code });
        return { outcome: 'skipped', mode, created: 0, updated: 0, unchanged: 0, disabled: 0, deletionScan: false, failed: [] };
      }
      throw error;
    }
    logger.info('sync started', { mode, deletionScan, runId: run.runId, checkpoint: checkpoint?.value ?? null });
    try {
      const highestCommittedUsn = dse ? stringValue(dse, 'highestCommittedUSN') : null;
      const report = await syncRun(deps, client, run.runId, { mode, deletionScan, checkpoint, dcServer, highestCommittedUsn });
      if (report.outcome === 'success') {
        writeAgentState(config.stateDir, {
          version: 1,
          fingerprint,
          checkpoint: report.checkpoint,
          lastFullSyncAt: mode === 'full' ? new Date().toISOString() : (state?.lastFullSyncAt ?? null),
          lastSyncAt: new Date().toISOString(),
          lastDeletionScanAt: deletionScan ? startedAt.toISOString() : (state?.lastDeletionScanAt ?? null),
        });
      }
      if (report.outcome === 'success') await api.reportStatus(null, deps.version);
      const { checkpoint: _stored, ...summary } = report;
      logger.info('sync finished', { ...summary, failed: report.failed.length });
      for (const failure of report.failed) logger.warn('entry not synced', { ...failure });
      return summary;
    } catch (error) {
      const failure = error instanceof LanyardError ? error : new LanyardError('SYNC_FAILED', (error as Error).message);
      await api.failRun(run.runId, { code: failure.code, message: failure.message.slice(0, 1024) }).catch(() => {});
      await reportAgentError(api, failure);
      throw failure;
    }
  } finally {
    await client.unbind().catch(() => {});
  }
}

interface RunPlan {
  readonly mode: 'full' | 'delta';
  readonly deletionScan: boolean;
  readonly checkpoint: Checkpoint | null;
  readonly dcServer: string | null;
  readonly highestCommittedUsn: string | null;
}

async function syncRun(deps: SyncDeps, client: Client, runId: string, plan: RunPlan): Promise<SyncReport & { checkpoint: Checkpoint | null }> {
  const { config, api, logger } = deps;
  const { mode, deletionScan, checkpoint } = plan;
  const mapping = config.mapping;
  const binary = isBinaryAnchor(mapping) ? [mapping.sourceAnchor] : [];
  const totals = { created: 0, updated: 0, unchanged: 0 };
  const failed: EntryFailure[] = [];
  // Full: every anchor read is in scope. Delta: the changed entries are remembered as pushed, and
  // the scope's anchors come from the anchors-only scan below. Both compact: a delta may touch the
  // whole directory (a mass update).
  const present = new AnchorSet();
  const pushed = new AnchorSet();
  let timestampMark: string | null = null;

  const push = async (entries: readonly Entry[]) => {
    const good: DirectoryEntry[] = [];
    const rejected: RejectedEntry[] = [];
    for (const entry of entries) {
      timestampMark = advanceTimestampMark(timestampMark, entry);
      const mapped = mapEntry(entry, mapping);
      if ('rejected' in mapped) {
        // Lanyard records rejected entries in the run's status and echoes them in `failed`.
        rejected.push(mapped.rejected);
        const anchor = readAnchor(entry, mapping);
        if (anchor && mode === 'full') present.add(anchor);
      } else {
        good.push(mapped.entry);
        if (mode === 'full') present.add(mapped.entry.anchor);
        else pushed.add(mapped.entry.anchor);
      }
    }
    for (let start = 0; start < Math.max(good.length, rejected.length); start += maxBatchEntries) {
      const result = await api.pushBatch(runId, { entries: good.slice(start, start + maxBatchEntries), rejected: rejected.slice(start, start + maxBatchEntries) });
      totals.created += result.created;
      totals.updated += result.updated;
      totals.unchanged += result.unchanged;
      failed.push(...result.failed);
    }
  };

  const attributes = entryAttributes(mapping, trackingAttributes(config.changeTracking));
  // The server's change clock before the search bounds the next mark (see change-tracking.ts).
  const ceiling = config.changeTracking === 'modifyTimestamp' ? timestampCeiling(await readContextCsns(client, config.ldap.baseDns), new Date()) : null;
  const filter = checkpoint ? deltaFilter(config.ldap.filter, checkpoint) : config.ldap.filter;
  for await (const page of searchScope(client, config.ldap, { filter, attributes, binaryAttributes: binary })) await push(page);

  let deletions: string[] = [];
  if (deletionScan) {
    if (mode === 'delta') {
      for await (const page of searchScope(client, config.ldap, { filter: config.ldap.filter, attributes: [mapping.sourceAnchor], binaryAttributes: binary })) {
        for (const entry of page) {
          const anchor = readAnchor(entry, mapping);
          if (anchor) present.add(anchor);
        }
      }
    }
    const compared = await compareWithLanyard(api, runId, present, pushed);
    deletions = compared.deletions;
    if (mode === 'delta' && compared.missing.length > 0) {
      logger.debug('pushing entries Lanyard does not hold yet', { count: compared.missing.length });
      for (let start = 0; start < compared.missing.length; start += 100) {
        const terms = compared.missing.slice(start, start + 100).map((anchor) => `(${mapping.sourceAnchor}=${anchorFilterValue(anchor, binary.length > 0)})`);
        const byAnchor = `(&${config.ldap.filter}(|${terms.join('')}))`;
        for await (const page of searchScope(client, config.ldap, { filter: byAnchor, attributes, binaryAttributes: binary })) await push(page);
      }
    }
  }

  const next = nextCheckpoint(config.changeTracking, checkpoint, { timestampMark, timestampCeiling: ceiling, highestCommittedUsn: plan.highestCommittedUsn, server: plan.dcServer });
  try {
    const { disabled } = await api.completeRun(runId, deletions, next?.value ?? null);
    return { outcome: 'success', mode, ...totals, disabled, deletionScan, failed, checkpoint: next };
  } catch (error) {
    if (!isLanyardError(error, 'SYNC_DELETION_GUARD')) throw error;
    logger.warn('sync stopped by the deletion guard: an admin must confirm before these accounts are disabled', { pending: deletions.length, message: error.message });
    return { outcome: 'guarded', mode, ...totals, disabled: 0, deletionScan, failed, checkpoint: null };
  }
}

function stringValue(entry: Entry, name: string): string | null {
  const value = attributeValue(entry, name);
  if (value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}

/** Tells Lanyard about an agent-side failure, so its agent status shows it; best effort. */
export async function reportAgentError(api: AgentApi, error: unknown): Promise<void> {
  const failure = error instanceof LanyardError ? error : new LanyardError('AGENT_FAILED', String((error as Error)?.message ?? error));
  await api.reportStatus({ code: failure.code, message: failure.message.slice(0, 1024) }).catch(() => {});
}
