import { LanyardError } from '../core/errors.ts';
import type { BatchRequest, BatchResult, PassThroughTask } from './protocol.ts';

/**
 * The agent's side of the `/agent/v1` HTTP API: outbound HTTPS only, `Authorization: Bearer` with
 * the agent key. A JSON `{ error: { code, message } }` answer becomes a LanyardError with the same
 * code (AGENT_KEY_REVOKED, SYNC_LEASE_HELD, SYNC_DELETION_GUARD, …); a network failure is
 * LANYARD_UNREACHABLE.
 *
 * @example
 *   const api = createAgentApi('https://idp.example.com', key);
 *   const whoami = await api.whoami();
 */
export interface WhoAmI {
  readonly agentId: string;
  readonly name: string;
  readonly organization: { readonly id: string; readonly slug: string; readonly name: string };
  readonly domains: readonly string[];
  readonly deletionThreshold: number;
}

export interface RunHandle {
  readonly runId: string;
  readonly leaseExpiresAt: string;
}

export interface AgentApi {
  whoami(): Promise<WhoAmI>;
  reportStatus(error: { code: string; message: string } | null, version?: string): Promise<void>;
  startRun(mode: 'full' | 'delta', version?: string): Promise<RunHandle>;
  /** The anchors Lanyard holds as active, a page (≤ 5,000) at a time, so neither side holds them all. */
  activeAnchorPages(runId: string): AsyncGenerator<readonly string[]>;
  pushBatch(runId: string, batch: BatchRequest): Promise<BatchResult>;
  completeRun(runId: string, deletions: readonly string[], checkpoint: string | null): Promise<{ disabled: number }>;
  failRun(runId: string, error: { code: string; message: string }): Promise<void>;
  pollPassThrough(waitSeconds: number, signal?: AbortSignal): Promise<PassThroughTask[]>;
  answerPassThrough(id: string, result: 'valid' | 'invalid' | 'error', code: string | null): Promise<void>;
}

export function createAgentApi(server: string, agentKey: string): AgentApi {
  const base = `${server}/agent/v1`;
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${agentKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ?? null,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new LanyardError('LANYARD_UNREACHABLE', `cannot reach Lanyard at ${server}: ${(error as Error).cause ?? (error as Error).message}`);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new LanyardError('LANYARD_BAD_RESPONSE', `Lanyard answered ${response.status} with a body that is not JSON`);
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      throw LanyardError.relayed(error?.code ?? `HTTP_${response.status}`, error?.message ?? `Lanyard answered ${response.status}`, response.status, error?.details);
    }
    return json as T;
  }

  return {
    whoami: () => call('GET', '/whoami'),
    reportStatus: (error, version) => call('POST', '/status', { error, ...(version ? { version } : {}) }),
    startRun: (mode, version) => call('POST', '/sync/runs', { mode, ...(version ? { version } : {}) }),
    async *activeAnchorPages(runId) {
      let after = '';
      for (;;) {
        const page = await call<{ anchors: string[]; next: string | null }>('GET', `/sync/runs/${encodeURIComponent(runId)}/anchors?after=${encodeURIComponent(after)}`);
        yield page.anchors;
        if (!page.next) return;
        after = page.next;
      }
    },
    pushBatch: (runId, batch) => call('POST', `/sync/runs/${encodeURIComponent(runId)}/batches`, batch),
    completeRun: (runId, deletions, checkpoint) => call('POST', `/sync/runs/${encodeURIComponent(runId)}/complete`, { deletions, checkpoint }),
    failRun: (runId, error) => call('POST', `/sync/runs/${encodeURIComponent(runId)}/fail`, error),
    async pollPassThrough(waitSeconds, signal) {
      const answer = await call<{ requests: PassThroughTask[] } | undefined>('POST', '/pass-through/poll', { waitSeconds }, signal);
      return answer?.requests ?? [];
    },
    answerPassThrough: (id, result, code) => call('POST', `/pass-through/${encodeURIComponent(id)}/answer`, { result, code }),
  };
}
