import { z } from 'zod';
import { errorCodes, type ErrorCode } from '../core/error-codes.ts';
import { portalCookieName } from '../portal/session/portal-session.ts';
import type { Endpoint } from './endpoint.ts';
import { SchemaComponents, type JsonSchema } from './json-schema.ts';
import { apiPrefix, needsSecondFactor, pathsOf, type EndpointPath } from './mount.ts';
import { errorShape } from './shapes.ts';

const unsafe = (endpoint: Endpoint) => endpoint.method !== 'get';
const dangerous = needsSecondFactor;

/** `/users/:id` → `/users/{id}` */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The operationId of one mounted path: the endpoint's id, with `ForToken` on a token's implicit path. */
export const operationIdOf = (mounted: EndpointPath) => (mounted.tokenOnly ? `${mounted.endpoint.id}ForToken` : mounted.endpoint.id);

/**
 * Every code one mounted path can answer with: its handler's, and those the layer adds (authentication,
 * CSRF, validation, the rule, re-authentication, body limits).
 */
export function errorCodesOf(mounted: EndpointPath): ErrorCode[] {
  const { endpoint, tokenOnly } = mounted;
  const codes = new Set<ErrorCode>(endpoint.errors ?? []);
  const add = (...more: ErrorCode[]) => more.forEach((code) => codes.add(code));
  if (endpoint.scope !== 'public') {
    add('API_TOKEN_MISSING', 'API_TOKEN_INVALID', 'API_TOKEN_REVOKED');
    if (!tokenOnly) add('ADMIN_SESSION_REQUIRED');
    if (!tokenOnly && unsafe(endpoint)) add('CSRF_TOKEN_INVALID');
  }
  if (endpoint.scope === 'organization') add('ADMIN_FORBIDDEN', ...(tokenOnly ? (['API_ORGANIZATION_REQUIRED'] as const) : []));
  if (endpoint.scope === 'installation') add('ADMIN_FORBIDDEN');
  if (dangerous(endpoint) && !tokenOnly) add('ADMIN_REAUTH_REQUIRED', 'TOTP_INVALID', 'TOTP_REPLAYED', 'SIGNIN_THROTTLED');
  if (Object.keys(mounted.params.shape).length || endpoint.query || endpoint.body) add('API_REQUEST_INVALID');
  if (endpoint.body) add('REQUEST_TOO_LARGE', 'REQUEST_CONTENT_TYPE');
  return [...codes].sort();
}

function parametersOf(components: SchemaComponents, object: z.ZodObject | undefined, where: 'path' | 'query') {
  return Object.entries(object?.shape ?? {}).map(([name, schema]) => {
    const converted = components.of(schema as z.ZodType, 'input');
    return {
      name,
      in: where,
      required: where === 'path' || !(schema as z.ZodType).safeParse(undefined).success,
      ...(typeof converted.description === 'string' && { description: converted.description }),
      schema: converted,
    };
  });
}

function operationOf(components: SchemaComponents, mounted: EndpointPath) {
  const { endpoint, tokenOnly } = mounted;
  const status = endpoint.status ?? (endpoint.response ? 200 : 204);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(mounted)) {
    const codeStatus = errorCodes[code].status;
    byStatus.set(codeStatus, [...(byStatus.get(codeStatus) ?? []), code]);
  }
  const errorResponses = Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([codeStatus, codes]) => [String(codeStatus), {
    description: `Refused: ${codes.join(', ')}`,
    content: { 'application/json': { schema: { allOf: [{ $ref: '#/components/schemas/Error' }], properties: { error: { properties: { code: { enum: codes } } } } } } },
  }]));
  const session = unsafe(endpoint) ? { adminSession: [], csrfToken: [] } : { adminSession: [] };
  const security = endpoint.scope === 'public' ? [] : tokenOnly ? [{ apiToken: [] }] : dangerous(endpoint) ? [session] : [{ apiToken: [] }, session];
  const secondFactor = dangerous(endpoint) && !tokenOnly
    ? [{ name: 'X-Lanyard-TOTP', in: 'header', required: false, description: 'A current TOTP code of the signed-in admin, needed when the session\'s last second factor is older than the re-authentication window', schema: { type: 'string', pattern: '^[0-9]{6}$' } }]
    : [];
  return {
    operationId: operationIdOf(mounted),
    summary: endpoint.summary,
    ...(tokenOnly && { description: 'The same as the path under /orgs/{slug}, for an API token\'s own organization.' }),
    ...(endpoint.description && !tokenOnly && { description: endpoint.description }),
    tags: [endpoint.tag],
    ...(endpoint.action && { 'x-lanyard-action': endpoint.action }),
    security,
    parameters: [...parametersOf(components, mounted.params, 'path'), ...parametersOf(components, endpoint.query, 'query'), ...secondFactor],
    ...(endpoint.body && { requestBody: { required: true, content: { 'application/json': { schema: components.of(endpoint.body, 'input') } } } }),
    responses: {
      [String(status)]: { description: endpoint.summary, ...(endpoint.response && { content: { 'application/json': { schema: components.of(endpoint.response, 'output') } } }) },
      ...errorResponses,
    },
  };
}

/** The OpenAPI 3.1 document of these endpoints: made of the schemas the router validates with. */
export function openApiDocument(endpoints: readonly Endpoint[]): JsonSchema {
  const components = new SchemaComponents();
  components.of(errorShape, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    for (const mounted of pathsOf(endpoint)) {
      (paths[openApiPath(mounted.path)] ??= {})[endpoint.method] = operationOf(components, mounted);
    }
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Lanyard admin API',
      version: '1',
      description: 'One organization\'s users, domains and federation, provisioning, directory agents and audit log. '
        + 'Authenticate with an API token (`lanyard api-token create <org>`, one organization: the paths without /orgs/{slug} act for it) '
        + `or with a signed-in admin's portal session (the ${portalCookieName} cookie; unsafe calls send its CSRF token as X-CSRF-Token, see GET /session). `
        + 'Every call is checked by the portal\'s one role rule. Errors are `{ "error": { "code", "message", "details"? } }`.',
    },
    servers: [{ url: apiPrefix }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', bearerFormat: 'lyt.<id>.<secret>', description: 'An organization\'s API token: `Authorization: Bearer <token>`' },
        adminSession: { type: 'apiKey', in: 'cookie', name: portalCookieName, description: 'A signed-in admin\'s portal session (sign in at /admin)' },
        csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'The session\'s CSRF token (GET /session answers it); needed with the session cookie on every POST, PUT, PATCH and DELETE' },
      },
    },
    tags: [...new Set(endpoints.map((endpoint) => endpoint.tag))].map((name) => ({ name })),
  };
}
