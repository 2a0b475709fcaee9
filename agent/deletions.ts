import type { AgentApi } from './api-client.ts';
import type { AnchorSet } from './anchor-set.ts';

/**
 * Deletion detection: compares the anchors in the directory's scope with the anchors Lanyard
 * holds as active, page by Lanyard page, so only the compact scope set is held whole.
 *
 * - `deletions`: active in Lanyard, gone from the scope (deleted, moved out, filtered out).
 * - `missing`: in the scope, unknown to Lanyard as active, and not pushed this run: a failed or
 *   skipped earlier run, which the caller heals by fetching and pushing them.
 *
 * Only as many anchors as differ are held as strings; normally a handful.
 *
 * @example
 *   const { deletions, missing } = await compareWithLanyard(api, runId, present, pushed);
 */
export async function compareWithLanyard(
  api: AgentApi,
  runId: string,
  present: AnchorSet,
  pushed: Pick<AnchorSet, 'has'>,
): Promise<{ deletions: string[]; missing: string[] }> {
  const deletions: string[] = [];
  for await (const page of api.activeAnchorPages(runId)) {
    for (const anchor of page) {
      if (!present.mark(anchor)) deletions.push(anchor);
    }
  }
  const missing: string[] = [];
  for (const anchor of present.unmarked()) {
    if (!pushed.has(anchor)) missing.push(anchor);
  }
  return { deletions, missing };
}
