import { z } from 'zod';
import type { Endpoint } from '../../api/endpoint.ts';
import { pathsOf } from '../../api/mount.ts';
import { operationIdOf } from '../../api/openapi.ts';
import { adminApiEndpoints } from '../../api/router.ts';
import type { BrowserClient } from '../harness/browser-client.ts';

/**
 * The admin API's declarations as a test reads them, and a small client that calls the API with a
 * portal session or a token.
 */
export const declaredEndpoints: readonly Endpoint[] = adminApiEndpoints;

/** The endpoint behind an operationId (a token's implicit path is `<id>ForToken`). */
export function endpointOf(operationId: string): Endpoint {
  const found = declaredEndpoints.find((endpoint) => pathsOf(endpoint).some((mounted) => operationIdOf(mounted) === operationId));
  if (!found) throw new Error(`no endpoint ${operationId}`);
  return found;
}

/** Fails unless `body` is exactly the endpoint's declared answer (response schemas are strict). */
export function expectDeclaredAnswer(operationId: string, body: unknown): void {
  const schema = endpointOf(operationId).response;
  if (!schema) throw new Error(`${operationId} declares no answer`);
  const parsed = (schema as z.ZodType).safeParse(body);
  if (!parsed.success) throw new Error(`${operationId} answered outside its schema: ${z.prettifyError(parsed.error)}\n${JSON.stringify(body).slice(0, 800)}`);
}

export interface ApiAnswer {
  readonly status: number;
  readonly json: any;
  readonly headers: Headers;
}

export interface ApiCallOptions {
  readonly body?: unknown;
  /** X-CSRF-Token (a session's unsafe calls need it). */
  readonly csrf?: string;
  /** X-Lanyard-TOTP, for a dangerous action past the re-authentication window. */
  readonly totp?: string;
  readonly headers?: Record<string, string>;
}

/** Calls /api/v1 with a bearer token, or with the portal session cookie of `browser`. */
export function apiClient(baseUrl: string, credential: { token: string } | { browser: BrowserClient }) {
  return async (method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer> => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if ('token' in credential) headers.authorization = `Bearer ${credential.token}`;
    else headers.cookie = `lanyard_admin=${credential.browser.cookie('lanyard_admin')}`;
    if (options.csrf) headers['x-csrf-token'] = options.csrf;
    if (options.totp) headers['x-lanyard-totp'] = options.totp;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body) });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
}
