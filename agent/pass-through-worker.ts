import type { Logger } from '../core/logger.ts';
import { isLanyardError, LanyardError } from '../core/errors.ts';
import { anchorFilterValue } from './anchor.ts';
import type { AgentApi } from './api-client.ts';
import type { AgentConfig } from './config.ts';
import { openDirectory, verifyPasswordByBind } from './ldap/connection.ts';
import { searchScope } from './ldap/scope.ts';
import { isBinaryAnchor } from './mapping.ts';
import type { PassThroughTask } from './protocol.ts';

/**
 * The agent's pass-through loop: long-poll Lanyard, and for each request find the entry by its
 * anchor inside the configured scope (a user moved out of scope cannot sign in), then bind as it
 * with the given password on a fresh connection. The password lives only in this function's
 * memory and is never logged.
 *
 * @example
 *   const stop = startPassThroughWorker({ config, bindPassword, api, logger });
 *   await stop();
 */
export interface PassThroughWorkerDeps {
  readonly config: AgentConfig;
  readonly bindPassword: string;
  readonly api: AgentApi;
  readonly logger: Logger;
  readonly waitSeconds?: number;
}

export function startPassThroughWorker(deps: PassThroughWorkerDeps): () => Promise<void> {
  const controller = new AbortController();
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        const tasks = await deps.api.pollPassThrough(deps.waitSeconds ?? 25, controller.signal);
        await Promise.all(tasks.map((task) => answer(deps, task)));
      } catch (error) {
        if (controller.signal.aborted) return;
        deps.logger.error('pass-through poll failed', { code: isLanyardError(error) ? error.code : undefined, error: isLanyardError(error) ? error.message : error });
        // A revoked key will not recover by retrying quickly; anything else is retried after a pause.
        await delay(isLanyardError(error, 'AGENT_KEY_REVOKED') ? 30_000 : 2000, controller.signal);
      }
    }
  })();
  return async () => {
    controller.abort();
    await loop;
  };
}

async function answer(deps: PassThroughWorkerDeps, task: PassThroughTask): Promise<void> {
  let result: 'valid' | 'invalid' | 'error' = 'error';
  let code: string | null = null;
  try {
    const dn = await findDn(deps, task.anchor);
    if (!dn) {
      result = 'invalid';
      code = 'PASS_THROUGH_ENTRY_NOT_FOUND';
    } else {
      result = (await verifyPasswordByBind(deps.config.ldap, dn, task.password)) ? 'valid' : 'invalid';
    }
  } catch (error) {
    code = error instanceof LanyardError ? error.code : 'AGENT_FAILED';
    deps.logger.warn('pass-through check failed', { code, upn: task.upn });
  }
  deps.logger.info('pass-through answered', { upn: task.upn, result, code });
  await deps.api.answerPassThrough(task.id, result, code).catch((error) => {
    deps.logger.warn('pass-through answer not delivered', { code: isLanyardError(error) ? error.code : undefined });
  });
}

async function findDn(deps: PassThroughWorkerDeps, anchor: string): Promise<string | undefined> {
  const { config } = deps;
  const binary = isBinaryAnchor(config.mapping);
  const client = await openDirectory(config.ldap, deps.bindPassword);
  try {
    const filter = `(&${config.ldap.filter}(${config.mapping.sourceAnchor}=${anchorFilterValue(anchor, binary)}))`;
    for await (const page of searchScope(client, config.ldap, { filter, attributes: ['1.1'] })) {
      if (page[0]) return page[0].dn;
    }
    return undefined;
  } finally {
    await client.unbind().catch(() => {});
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
