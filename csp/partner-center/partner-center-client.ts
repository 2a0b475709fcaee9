import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { LanyardError } from '../../core/errors.ts';
import { microsoftUnreachable } from '../../provisioning/tenant/microsoft-unreachable.ts';
import { partnerCenterRefusal } from './partner-center-errors.ts';

export interface PartnerCenterCallOptions {
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /**
   * The operation's `MS-RequestId`. Partner Center answers a retried call that carries the same id
   * with the first call's result instead of doing it again, so an operation that must not happen
   * twice (an order, a quantity change) keeps its id across retries and restarts: give it here.
   * Otherwise one id is made per call and kept across that call's own retries.
   */
  readonly requestId?: string;
  readonly ifMatch?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PartnerCenterAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface PartnerCenterClientOptions {
  readonly baseUrl: string;
  /** A Partner Center bearer token; `renew` asks for a new one after a 401. */
  readonly token: (renew: boolean) => Promise<string>;
  readonly clock: Clock;
  /** Attempts for 429 and 5xx, with Retry-After honoured (default 4). */
  readonly maxAttempts?: number;
  /** Longest Retry-After waited for; a longer one is reported as PARTNER_CENTER_THROTTLED (default 60 s). */
  readonly maxRetryAfterMs?: number;
}

interface PartnerCenterErrorBody {
  code?: unknown;
  description?: unknown;
  message?: unknown;
}

/**
 * Partner Center's REST API (`/v1/…`) as the partner's app with the partner admin's delegated
 * token (App+User). Sends `MS-RequestId` (idempotency) and `MS-CorrelationId` (one per call, for
 * Microsoft support), retries 429 (after `Retry-After`) and 5xx with the same request id, renews
 * the token once on 401, and turns every refusal into a LanyardError that names Partner Center's
 * code and its fix (partner-center-errors.ts). Microsoft unreachable is MICROSOFT_UNREACHABLE.
 *
 * @example
 *   const client = new PartnerCenterClient({ baseUrl: partner.partnerCenterUrl, token, clock });
 *   const { body } = await client.call<{ items: unknown[] }>('GET', '/v1/customers', { query: { size: '100' } });
 */
export class PartnerCenterClient {
  constructor(private readonly options: PartnerCenterClientOptions) {}

  async call<T>(method: string, path: string, options: PartnerCenterCallOptions = {}): Promise<PartnerCenterAnswer<T>> {
    const requestId = options.requestId ?? randomUUID();
    const url = new URL(path.startsWith('/') ? path.slice(1) : path, this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const maxAttempts = this.options.maxAttempts ?? 4;
    let renewToken = false;
    let renewedOnce = false;
    for (let attempt = 1; ; attempt += 1) {
      const headers: Record<string, string> = {
        accept: 'application/json',
        authorization: `Bearer ${await this.options.token(renewToken)}`,
        'ms-requestid': requestId,
        'ms-correlationid': randomUUID(),
        ...(options.ifMatch ? { 'if-match': options.ifMatch } : {}),
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
      const body = parseJson(text);
      if (response.ok) return { status: response.status, body: body as T, headers: response.headers };

      if (response.status === 401 && !renewedOnce && !isMfaRefusal(body)) {
        renewToken = true;
        renewedOnce = true;
        attempt -= 1;
        continue;
      }
      renewToken = false;
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && attempt < maxAttempts) {
        const waitMs = retryDelayMs(response, attempt);
        if (waitMs <= (this.options.maxRetryAfterMs ?? 60_000)) {
          await this.options.clock.sleep(waitMs);
          continue;
        }
      }
      const errorBody = (typeof body === 'object' && body !== null ? body : {}) as PartnerCenterErrorBody;
      const code = errorBody.code ?? null;
      throw partnerCenterRefusal({
        status: response.status,
        partnerCenterCode: code === null ? null : String(code),
        description: String(errorBody.description ?? errorBody.message ?? (text.slice(0, 200) || response.statusText)),
      });
    }
  }

  /**
   * Every item of a paged collection: follows `links.next` with the `MS-ContinuationToken` header it
   * names (reference C.0), until a page has no `links.next`.
   */
  async all<T>(path: string, query: Readonly<Record<string, string>> = {}): Promise<T[]> {
    const items: T[] = [];
    let next: { path: string; headers: Record<string, string> } | undefined = { path, headers: {} };
    let first = true;
    while (next) {
      const page: PartnerCenterAnswer<PagedBody<T>> = await this.call<PagedBody<T>>('GET', next.path, { ...(first ? { query } : {}), headers: next.headers });
      first = false;
      items.push(...(page.body.items ?? []));
      const link = page.body.links?.next;
      next = link ? { path: link.uri, headers: Object.fromEntries((link.headers ?? []).map((h) => [h.key, h.value])) } : undefined;
    }
    return items;
  }
}

interface PagedBody<T> {
  items?: T[];
  links?: { next?: { uri: string; headers?: { key: string; value: string }[] } };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new LanyardError('PARTNER_CENTER_REFUSED', `Partner Center answered with something that is not JSON: ${text.slice(0, 120)}`, { status: null, partnerCenterCode: null, description: text.slice(0, 200) });
  }
}

/** 900421 is a token without MFA: a new token from the same refresh token would lack it too. */
function isMfaRefusal(body: unknown): boolean {
  return typeof body === 'object' && body !== null && String((body as PartnerCenterErrorBody).code) === '900421';
}

/** Retry-After (seconds) when given, else exponential from one second. */
function retryDelayMs(response: Response, attempt: number): number {
  const header = Number(response.headers.get('retry-after'));
  if (Number.isFinite(header) && header >= 0) return header * 1000;
  return 1000 * 2 ** (attempt - 1);
}
