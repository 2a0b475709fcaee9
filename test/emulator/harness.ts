import tls from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/start.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import type { Tenant } from '../../emulator/state/model.ts';

export const graphScope = 'https://graph.microsoft.com/.default';

/**
 * Starts an in-process emulator and makes this test process trust its CA. NODE_EXTRA_CA_CERTS is read only
 * at process start, so fetch-based clients (MSAL 7, the Graph client, fetch itself) get the CA through
 * undici's global dispatcher instead, the one Node's built-in fetch uses.
 */
export async function startTrustedEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator(options);
  setGlobalDispatcher(new Agent({ connect: { ca: [...tls.rootCertificates, emulator.caCertPem] } }));
  return emulator;
}

export interface SeededTenant {
  readonly tenant: Tenant;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** A tenant `name`.onmicrosoft.com with one app holding `roles`, plus whatever `extra` seeds. */
export function seedTenant(
  emulator: RunningEmulator,
  name: string,
  roles: readonly string[],
  extra: Record<string, unknown> = {},
): SeededTenant {
  const clientSecret = `secret-${name}-Value~1`;
  const tenant = applyTenantSeed(
    emulator.state,
    tenantSchema.parse({ name, apps: [{ clientSecret, displayName: `${name} provisioning`, roles }], ...extra }),
  );
  const app = tenant.apps[0];
  if (!app) throw new Error('seeded tenant has no app');
  return { tenant, clientId: app.clientId, clientSecret };
}

/** Client-credential token straight from the token endpoint (tests of Graph itself, not of MSAL). */
export async function fetchAccessToken(emulator: RunningEmulator, seeded: SeededTenant): Promise<string> {
  const response = await fetch(`${emulator.baseUrl}/${seeded.tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: seeded.clientId,
      client_secret: seeded.clientSecret,
      scope: graphScope,
    }),
  });
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export interface GraphResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> | undefined;
}

/** A raw Graph call with `fetch`, for checking status codes, headers and JSON shapes exactly. */
export async function graphRequest(
  emulator: RunningEmulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<GraphResult> {
  const response = await fetch(`${emulator.baseUrl}/v1.0${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** The Graph error envelope's code, after checking the envelope has Graph's shape. */
export function graphErrorCode(result: GraphResult): string {
  const error = result.body?.error as { code: string; message: string; innerError: Record<string, string> } | undefined;
  if (!error || typeof error.message !== 'string' || !error.innerError?.['request-id'] || !error.innerError.date) {
    throw new Error(`not a Graph error envelope: ${JSON.stringify(result.body)}`);
  }
  return error.code;
}
