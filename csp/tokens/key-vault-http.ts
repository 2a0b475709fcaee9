import type { HttpClient, HttpHeaders, PipelineRequest, PipelineResponse, RawHttpHeaders } from '@azure/core-rest-pipeline';

/**
 * The Key Vault SDK's requests sent through Node's fetch, as every other Microsoft client of
 * Lanyard's (MSAL 7, Graph, Partner Center) sends them, so one trust and proxy setup covers them
 * all (the SDK's default client uses node:https with agents of its own). Only types are imported
 * from @azure/core-rest-pipeline; the headers collection is this file's.
 */
export const fetchHttpClient: HttpClient = {
  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name] = value;
    const body = request.body;
    if (body !== undefined && body !== null && typeof body !== 'string') throw new Error('Key Vault request bodies are JSON strings');
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      ...(typeof body === 'string' ? { body } : {}),
      signal: request.abortSignal ? AbortSignal.any([request.abortSignal as AbortSignal, AbortSignal.timeout(request.timeout || 30_000)]) : AbortSignal.timeout(request.timeout || 30_000),
    });
    const raw: RawHttpHeaders = {};
    response.headers.forEach((value, name) => (raw[name] = value));
    return { request, status: response.status, headers: headerCollection(raw), bodyAsText: await response.text() };
  },
};

function headerCollection(raw: RawHttpHeaders): HttpHeaders {
  const values = new Map(Object.entries(raw).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    get: (name) => values.get(name.toLowerCase()),
    has: (name) => values.has(name.toLowerCase()),
    set: (name, value) => void values.set(name.toLowerCase(), String(value)),
    delete: (name) => void values.delete(name.toLowerCase()),
    toJSON: () => Object.fromEntries(values),
    [Symbol.iterator]: () => values.entries(),
  };
}
