import { GraphError } from '@microsoft/microsoft-graph-client';
import { isLanyardError, LanyardError } from '../../core/errors.ts';

/**
 * Tells "Microsoft could not be reached" (DNS, refused connection, timeout, TLS) apart from
 * "Microsoft answered no" (an AADSTS refusal, a Graph error), for every MSAL and Graph client call.
 * Both clients drop the socket error: MSAL turns it into `network_error` (token request) or
 * `endpoints_resolution_error` (authority discovery, which also covers a discovery document that is
 * not one), and the Graph client into GraphError status -1 "fetch failed". So when a client reports
 * no answer, the host is asked once more directly, and the socket error of that attempt is the one
 * reported.
 */

const probeTimeoutMilliseconds = 5000;
const msalNoAnswerCodes = new Set(['network_error', 'endpoints_resolution_error']);

/** What the error codes Node and undici give mean, for people. */
const causes: readonly [RegExp, string][] = [
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL)$/, 'the name does not resolve (DNS)'],
  [/^ECONNREFUSED$/, 'the connection was refused'],
  [/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|TimeoutError|AbortError)$/, 'the connection timed out'],
  [/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO/, 'the TLS certificate was not accepted'],
  [/^(ECONNRESET|EPIPE|ENETUNREACH|EHOSTUNREACH|UND_ERR_SOCKET)$/, 'the network failed'],
];

/**
 * MICROSOFT_UNREACHABLE (503) for `serviceUrl` when `error` is a client's "no answer", else
 * undefined (the error is Microsoft's answer, and the caller reports it as such).
 *
 * @example
 *   } catch (error) {
 *     throw (await microsoftUnreachable(config.microsoftLoginUrl, error)) ?? refusal(error);
 *   }
 */
export async function microsoftUnreachable(serviceUrl: string, error: unknown): Promise<LanyardError | undefined> {
  const msalCode = (error as { errorCode?: unknown } | null)?.errorCode;
  const msalNoAnswer = typeof msalCode === 'string' && msalNoAnswerCodes.has(msalCode) && !/AADSTS\d+/.test(String((error as { errorMessage?: unknown }).errorMessage ?? ''));
  const graphNoAnswer = error instanceof GraphError && error.statusCode === -1 && error.code !== 'LanyardError';
  const socketCode = networkErrorCode(error);
  if (!msalNoAnswer && !graphNoAnswer && socketCode === undefined) return undefined;
  const code = socketCode ?? (await probe(serviceUrl));
  // Discovery can fail on a reachable host that answered something else: that is an answer.
  if (code === undefined && msalCode === 'endpoints_resolution_error') return undefined;
  const host = new URL(serviceUrl).host;
  const cause = code === undefined ? 'the connection failed' : describeCode(code);
  return new LanyardError('MICROSOFT_UNREACHABLE', `cannot reach Microsoft at ${host}: ${cause}${code ? ` (${code})` : ''}; check the network, DNS, proxy and the configured URL`, { host, errorCode: code ?? null });
}

/** The Node/undici error code of a failed connection anywhere in the `cause` chain, if any. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    // Lanyard's own codes (e.g. a *_CERTIFICATE_* one) are answers, not socket errors.
    if (isLanyardError(current)) return undefined;
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && causes.some(([pattern]) => pattern.test(code))) return code;
    if (name === 'TimeoutError') return 'ETIMEDOUT';
  }
  return undefined;
}

/** One direct request to the host; the socket error code if it fails, undefined if anything answers. */
async function probe(serviceUrl: string): Promise<string | undefined> {
  try {
    await fetch(new URL('/', serviceUrl), { method: 'HEAD', signal: AbortSignal.timeout(probeTimeoutMilliseconds) });
    return undefined;
  } catch (error) {
    return networkErrorCode(error) ?? 'ECONNRESET';
  }
}

function describeCode(code: string): string {
  return causes.find(([pattern]) => pattern.test(code))?.[1] ?? 'the network failed';
}
