import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../context.ts';
import { dispatchGraph, type GraphCaller, type GraphRequest, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { badRequest, GraphError, graphErrorBody } from './errors.ts';

/** Graph's JSON batching limit. */
export const maximumBatchRequests = 20;

interface BatchMember {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly dependsOn: readonly string[];
}

/**
 * POST /$batch: up to 20 requests, each dispatched like a request of its own (faults, throttling, errors),
 * answered together with 200. A member whose dependency failed gets 424 without running.
 * Members run in the order given; `dependsOn` may only name an earlier member (the emulator's reading of
 * "dependsOn orders execution").
 */
export async function runBatch(
  context: EmulatorContext,
  routes: readonly GraphRoute[],
  outer: GraphRequest,
  caller: GraphCaller,
): Promise<GraphResponse> {
  const members = parseMembers(outer.body);
  const results = new Map<string, number>();
  const responses: Record<string, unknown>[] = [];
  for (const member of members) {
    const requestId = randomUUID();
    const failedDependency = member.dependsOn.find((id) => (results.get(id.toLowerCase()) ?? 0) >= 400);
    let response: GraphResponse;
    if (failedDependency !== undefined) {
      response = {
        status: 424,
        headers: { 'content-type': 'application/json' },
        body: graphErrorBody('FailedDependency', `Request ${member.id} depends on ${failedDependency}, which failed.`, requestId, outer.clientRequestId, context.state.now()),
      };
    } else {
      const url = new URL(member.url.startsWith('/') ? member.url : `/${member.url}`, 'https://graph.invalid');
      const request: GraphRequest = {
        method: member.method,
        path: url.pathname,
        query: url.searchParams,
        headers: new Map([...outer.headers, ...Object.entries(member.headers).map(([name, value]) => [name.toLowerCase(), value] as const)]),
        body: member.body,
        requestId,
        clientRequestId: outer.clientRequestId,
      };
      response = await dispatchGraph(context, routes, request, caller, { insideBatch: true });
    }
    results.set(member.id.toLowerCase(), response.status);
    context.state.logRequest({
      time: new Date(context.state.now()).toISOString(),
      requestId,
      method: member.method,
      path: `/v1.0${member.url.startsWith('/') ? member.url : `/${member.url}`}`,
      status: response.status,
      batchId: outer.requestId,
    });
    responses.push({ id: member.id, status: response.status, headers: response.headers, ...(response.body === undefined ? {} : { body: response.body }) });
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: { responses } };
}

function parseMembers(body: unknown): BatchMember[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw badRequest('The batch body must contain a non-empty requests array.');
  if (requests.length > maximumBatchRequests) {
    throw badRequest(`The number of batch requests (${requests.length}) exceeds the limit of ${maximumBatchRequests}.`);
  }
  const seen = new Set<string>();
  return requests.map((entry: unknown) => {
    const member = entry as Record<string, unknown> | null;
    const id = member?.id;
    const method = member?.method;
    const url = member?.url;
    if (typeof id !== 'string' || id === '' || typeof method !== 'string' || typeof url !== 'string') {
      throw badRequest('Each batch request needs id, method and url.');
    }
    if (seen.has(id.toLowerCase())) throw badRequest(`Batch request id '${id}' is not unique.`);
    if (/^https?:/i.test(url) || /^\/?(v1\.0|beta)\//i.test(url)) throw badRequest('Batch request urls are relative to the version, e.g. /users.');
    const headers = (member?.headers ?? {}) as Record<string, string>;
    const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (member?.body !== undefined && !hasContentType) {
      throw badRequest(`Batch request '${id}' has a body but no Content-Type header.`);
    }
    const dependsOn = member?.dependsOn ?? [];
    if (!Array.isArray(dependsOn) || !dependsOn.every((dependency) => typeof dependency === 'string' && seen.has(dependency.toLowerCase()))) {
      throw new GraphError(400, 'Request_BadRequest', `Batch request '${id}' depends on an unknown or later request.`);
    }
    seen.add(id.toLowerCase());
    return { id, method: method.toUpperCase(), url, headers, body: member?.body, dependsOn: dependsOn as string[] };
  });
}
