import type { Client } from '@microsoft/microsoft-graph-client';
import { defaultRetryPolicy, isTransientStatus, retryDelayMs, sleep, withGraphRetry, type GraphCallStats, type RetryPolicy } from './retry.ts';

/** Graph's JSON batching limit (docs "json-batching"). */
export const maximumBatchSize = 20;

export interface BatchRequest<K> {
  /** The caller's key for the answer (an account's UPN, say); need not be unique across calls. */
  readonly key: K;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the version, e.g. `/users`. */
  readonly url: string;
  readonly body?: unknown;
}

export interface BatchAnswer<K> {
  readonly key: K;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Graph's JSON body (an entity or the error envelope), undefined for 204. */
  readonly body: any;
}

interface BatchMemberResponse {
  readonly id: string;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/**
 * Sends `requests` as `$batch` calls of up to 20, `concurrency` calls at a time. Each member is
 * throttled and fails on its own (the outer answer is 200 regardless), so members answered 429 or
 * 5xx are sent again, alone with the other transient ones, after `Retry-After` or a backoff. Every
 * request gets exactly one final answer, in no particular order.
 *
 * @example
 *   const answers = await sendBatched(client, accounts.map((a) => ({ key: a.upn, method: 'POST', url: '/users', body })), { stats });
 */
export async function sendBatched<K>(
  client: Client,
  requests: readonly BatchRequest<K>[],
  options: { stats?: GraphCallStats; policy?: RetryPolicy; concurrency?: number } = {},
): Promise<BatchAnswer<K>[]> {
  const chunks: BatchRequest<K>[][] = [];
  for (let start = 0; start < requests.length; start += maximumBatchSize) chunks.push(requests.slice(start, start + maximumBatchSize));
  const answers: BatchAnswer<K>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      answers.push(...(await sendChunk(client, chunk, options.stats, options.policy ?? defaultRetryPolicy)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, chunks.length) }, worker));
  return answers;
}

async function sendChunk<K>(client: Client, chunk: readonly BatchRequest<K>[], stats: GraphCallStats | undefined, policy: RetryPolicy): Promise<BatchAnswer<K>[]> {
  const done: BatchAnswer<K>[] = [];
  let pending = chunk.map((request, index) => ({ request, id: String(index + 1) }));
  let faults = 0;
  let throttles = 0;
  for (;;) {
    const body = {
      requests: pending.map(({ request, id }) => ({
        id,
        method: request.method,
        url: request.url,
        ...(request.body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: request.body }),
      })),
    };
    const outer = (await withGraphRetry(() => client.api('/$batch').post(body), { stats, policy })) as { responses: BatchMemberResponse[] };
    const byId = new Map(outer.responses.map((response) => [response.id, response]));
    const retry: typeof pending = [];
    let retryAfter: string | undefined;
    for (const member of pending) {
      const response = byId.get(member.id);
      const status = response?.status ?? 0;
      const headers = response?.headers ?? {};
      if (isTransientStatus(status)) {
        retry.push(member);
        if (status === 429) {
          const value = headerValue(headers, 'retry-after');
          if (value !== undefined && (retryAfter === undefined || Number(value) > Number(retryAfter))) retryAfter = value;
        }
        continue;
      }
      done.push({ key: member.request.key, status, headers, body: response?.body });
    }
    if (retry.length === 0) return done;
    const throttled = retry.filter((member) => byId.get(member.id)?.status === 429).length;
    if (stats) {
      stats.throttled += throttled;
      stats.retried += retry.length;
    }
    if (throttled > 0) throttles += 1;
    else faults += 1;
    if (faults >= policy.maxAttempts || throttles >= policy.maxThrottledAttempts) {
      for (const member of retry) {
        const response = byId.get(member.id);
        done.push({ key: member.request.key, status: response?.status ?? 0, headers: response?.headers ?? {}, body: response?.body });
      }
      return done;
    }
    await sleep(retryDelayMs(policy, throttled > 0 ? throttles : faults, retryAfter));
    pending = retry;
  }
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Graph's error code and message from an answer's error envelope. */
export function answerError(answer: Pick<BatchAnswer<unknown>, 'status' | 'body'>): { code: string; message: string; details: ReadonlyArray<{ code?: string; target?: string }> } {
  const error = (answer.body as { error?: { code?: string; message?: string; details?: Array<{ code?: string; target?: string }> } } | undefined)?.error;
  return { code: error?.code ?? `HTTP_${answer.status}`, message: error?.message ?? `Graph answered ${answer.status}`, details: Array.isArray(error?.details) ? error.details : [] };
}

/** Graph refused a create because another object already has this unique property (`details`: ObjectConflict + target). */
export function isObjectConflict(answer: Pick<BatchAnswer<unknown>, 'status' | 'body'>, properties: readonly string[]): boolean {
  return answer.status === 400 && answerError(answer).details.some((detail) => detail.code === 'ObjectConflict' && properties.includes(detail.target ?? ''));
}
