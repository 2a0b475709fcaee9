import type { Clock } from '../../core/clock.ts';
import { LanyardError } from '../../core/errors.ts';
import { microsoftUnreachable } from '../../provisioning/tenant/microsoft-unreachable.ts';
import { graphRemediation } from './graph-remediation.ts';

export const graphScope = 'https://graph.microsoft.com/.default';

export interface CustomerGraphOptions {
  /** Graph's base URL without the version (the partner's `graphUrl`). */
  readonly baseUrl: string;
  readonly tenantId: string;
  /** A bearer token for Graph in that tenant (cached by the delegated access; asked per request). */
  readonly token: () => Promise<string>;
  readonly clock: Clock;
  /** Attempts for 429 and 5xx, Retry-After honoured (default 6). */
  readonly maxAttempts?: number;
  /** Longest Retry-After waited for (default 120 s). */
  readonly maxRetryAfterMs?: number;
}

export interface GraphCallOptions {
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Graph's refusal, as the error handler and the sync's error table see it. */
export type GraphRefusalDetails = {
  readonly status: number;
  readonly graphCode: string;
  readonly tenantId: string;
  readonly remediation: string | null;
};

interface GraphErrorBody {
  error?: { code?: unknown; message?: unknown };
}

/**
 * Microsoft Graph v1.0 in one customer tenant, with the partner's delegated token. Retries 429
 * (after `Retry-After`, as Graph asks) and 5xx; a refusal is CSP_GRAPH_REFUSED naming Graph's code
 * (the only stable field, reference A.9) and, for the common ones, the fix. Plain fetch, not the
 * Graph SDK: the sync reads hundreds of thousands of users page by page and needs the paging and
 * throttling under its own control (and no SDK retry policy multiplying requests).
 *
 * @example
 *   const graph = new CustomerGraph({ baseUrl: partner.graphUrl, tenantId, token, clock });
 *   for await (const users of graph.pages('/users', { $select: 'id,userPrincipalName', $top: '999' })) …
 */
export class CustomerGraph {
  constructor(private readonly options: CustomerGraphOptions) {}

  get tenantId(): string {
    return this.options.tenantId;
  }

  async call<T>(method: string, path: string, options: GraphCallOptions = {}): Promise<{ status: number; body: T }> {
    const url = path.startsWith('https://') || path.startsWith('http://') ? new URL(path) : new URL(`${this.options.baseUrl.replace(/\/$/, '')}/v1.0${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const maxAttempts = this.options.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt += 1) {
      const headers: Record<string, string> = {
        accept: 'application/json',
        authorization: `Bearer ${await this.options.token()}`,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      };
      let response: Response;
      try {
        response = await fetch(url, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}), signal: AbortSignal.timeout(60_000) });
      } catch (error) {
        throw (await microsoftUnreachable(this.options.baseUrl, error)) ?? error;
      }
      const text = await response.text();
      const body = text ? safeJson(text) : undefined;
      if (response.ok) return { status: response.status, body: body as T };
      if ((response.status === 429 || response.status >= 500) && attempt < maxAttempts) {
        const header = Number(response.headers.get('retry-after'));
        const waitMs = Number.isFinite(header) && header >= 0 && response.headers.has('retry-after') ? header * 1000 : 500 * 2 ** (attempt - 1);
        if (waitMs <= (this.options.maxRetryAfterMs ?? 120_000)) {
          await this.options.clock.sleep(waitMs);
          continue;
        }
      }
      const error = (body as GraphErrorBody | undefined)?.error;
      const graphCode = typeof error?.code === 'string' ? error.code : `HTTP${response.status}`;
      const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200) || response.statusText;
      throw graphRefused(response.status, graphCode, message, this.options.tenantId);
    }
  }

  /** Every page of a collection (following `@odata.nextLink` verbatim, reference A.1), one array at a time. */
  async *pages<T>(path: string, query: Readonly<Record<string, string>> = {}, headers: Readonly<Record<string, string>> = {}): AsyncGenerator<T[]> {
    let next: string | undefined = path;
    let first = true;
    while (next) {
      const page: { body: { value?: T[]; '@odata.nextLink'?: string } } = await this.call<{ value?: T[]; '@odata.nextLink'?: string }>('GET', next, { ...(first ? { query } : {}), headers });
      first = false;
      yield page.body.value ?? [];
      next = page.body['@odata.nextLink'];
    }
  }

  async all<T>(path: string, query: Readonly<Record<string, string>> = {}): Promise<T[]> {
    const items: T[] = [];
    for await (const page of this.pages<T>(path, query)) items.push(...page);
    return items;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** CSP_GRAPH_REFUSED with Graph's status, code, the tenant and the remediation when one is known. */
export function graphRefused(status: number, graphCode: string, message: string, tenantId: string): LanyardError {
  const remediation = graphRemediation(status, graphCode, message);
  const details: GraphRefusalDetails = { status, graphCode, tenantId, remediation };
  return new LanyardError('CSP_GRAPH_REFUSED', `Microsoft Graph refused (${status} ${graphCode}) in tenant ${tenantId}: ${message}${remediation ? ` — ${remediation}` : ''}`, details);
}
