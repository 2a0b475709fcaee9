import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorCodes } from '../../core/error-codes.ts';
import { namedShapes } from '../../api/shapes.ts';
import { errorCodesOf, openApiDocument, openApiPath, operationIdOf } from '../../api/openapi.ts';
import { pathsOf } from '../../api/mount.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { declaredEndpoints } from './admin-api-kit.ts';

/**
 * The admin API's OpenAPI 3.1 document: served without credentials, valid against the OpenAPI 3.1
 * schema, listing every declared route, every $ref resolvable, and each request's schema the very
 * one the router validates with (compared after resolving every reference on both sides).
 */
type Json = any;

/** The schema with every `$ref` replaced by what it points to (components of the document, or the schema's own $defs). */
function resolved(schema: Json, lookup: (ref: string) => Json, seen: string[] = []): Json {
  if (Array.isArray(schema)) return schema.map((item) => resolved(item, lookup, seen));
  if (!schema || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string') {
    if (seen.includes(schema.$ref)) throw new Error(`reference cycle at ${schema.$ref}`);
    const { $ref, ...rest } = schema;
    const target = lookup($ref);
    if (target === undefined) throw new Error(`unresolvable $ref ${$ref}`);
    return { ...resolved(target, lookup, [...seen, $ref]), ...resolved(rest, lookup, seen) };
  }
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$defs' && key !== '$schema' && key !== 'id').map(([key, value]) => [key, resolved(value, lookup, seen)]));
}

describe('the admin API\'s OpenAPI document', () => {
  let lanyard: RunningLanyard;
  let document: Json;
  beforeAll(async () => {
    lanyard = await startLanyard('sqlite');
    const response = await fetch(`${lanyard.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    document = await response.json();
  });
  afterAll(async () => lanyard?.stop());

  const component = (ref: string) => (ref.startsWith('#/components/schemas/') ? document.components.schemas[ref.slice('#/components/schemas/'.length)] : undefined);

  it('is served without credentials and is what the declarations make', () => {
    expect(document).toEqual(openApiDocument(declaredEndpoints));
    expect(document.openapi).toBe('3.1.0');
    expect(document.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists every declared route, each with a unique operationId, its parameters and its security', () => {
    const mounted = declaredEndpoints.flatMap(pathsOf);
    const ids = new Set<string>();
    for (const route of mounted) {
      const operation = document.paths[openApiPath(route.path)]?.[route.endpoint.method];
      expect(operation, `${route.endpoint.method} ${route.path}`).toBeDefined();
      expect(operation.operationId).toBe(operationIdOf(route));
      expect(operation['x-lanyard-action']).toBe(route.endpoint.action);
      if (route.endpoint.scope === 'organization' || route.endpoint.scope === 'installation') expect(route.endpoint.action, operation.operationId).toBeDefined();
      expect(ids.has(operation.operationId)).toBe(false);
      ids.add(operation.operationId);
      const pathNames = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]);
      expect(operation.parameters.filter((parameter: Json) => parameter.in === 'path').map((parameter: Json) => parameter.name)).toEqual(pathNames);
      expect(Object.keys(route.endpoint.query?.shape ?? {})).toEqual(operation.parameters.filter((parameter: Json) => parameter.in === 'query').map((parameter: Json) => parameter.name));
      if (route.endpoint.scope === 'public') expect(operation.security).toEqual([]);
      else if (route.tokenOnly) expect(operation.security).toEqual([{ apiToken: [] }]);
      else expect(operation.security).toContainEqual(route.endpoint.method === 'get' ? { adminSession: [] } : { adminSession: [], csrfToken: [] });
      for (const scheme of operation.security.flatMap((requirement: Json) => Object.keys(requirement))) expect(document.components.securitySchemes[scheme]).toBeDefined();
    }
    // Nothing in the document that is not declared.
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations as object).map((method) => `${method} ${path}`));
    expect(documented.sort()).toEqual(mounted.map((route) => `${route.endpoint.method} ${openApiPath(route.path)}`).sort());
    expect(document.paths['/openapi.json'].get.security).toEqual([]);
    // The existing token paths are all still there.
    for (const path of ['/organization', '/users', '/provisioning/runs', '/provisioning/runs/{id}', '/directory/status']) expect(document.paths[path]).toBeDefined();
  });

  it('describes the bearer token, the session cookie and its CSRF header', () => {
    expect(document.components.securitySchemes).toEqual({
      apiToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      adminSession: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'lanyard_admin' }),
      csrfToken: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' }),
    });
  });

  it('resolves every $ref, to a component that exists', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs.map((text) => JSON.parse(`{${text}}`).$ref as string))) expect(component(ref), ref).toBeDefined();
    for (const schema of Object.values(document.components.schemas)) resolved(schema, component);
    for (const name of ['Error', 'User', 'Domain', 'ProvisioningRun', 'AuditEvent', 'DirectoryAgent']) expect(document.components.schemas[name]).toBeDefined();
  });

  it('gives each request body the schema the router validates it with, and each answer its declared shape', () => {
    const toJson = (schema: z.ZodType, io: 'input' | 'output') => {
      const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', metadata: namedShapes, io }) as Json;
      return resolved(raw, (ref) => (ref.startsWith('#/$defs/') ? raw.$defs?.[ref.slice('#/$defs/'.length)] : undefined));
    };
    let bodies = 0;
    for (const route of declaredEndpoints.flatMap(pathsOf)) {
      const operation = document.paths[openApiPath(route.path)][route.endpoint.method];
      if (route.endpoint.body) {
        bodies += 1;
        expect(resolved(operation.requestBody.content['application/json'].schema, component), operation.operationId).toEqual(toJson(route.endpoint.body, 'input'));
      } else {
        expect(operation.requestBody).toBeUndefined();
      }
      const success = String(route.endpoint.status ?? (route.endpoint.response ? 200 : 204));
      if (route.endpoint.response) expect(resolved(operation.responses[success].content['application/json'].schema, component)).toEqual(toJson(route.endpoint.response, 'output'));
      else expect(operation.responses[success].content).toBeUndefined();
    }
    expect(bodies).toBeGreaterThanOrEqual(8);
  });

  it('names the error codes each route can answer, under their statuses, in the one error shape', () => {
    for (const route of declaredEndpoints.flatMap(pathsOf)) {
      const operation = document.paths[openApiPath(route.path)][route.endpoint.method];
      const listed: string[] = [];
      for (const [status, response] of Object.entries(operation.responses) as Array<[string, Json]>) {
        if (Number(status) < 400) continue;
        const schema = response.content['application/json'].schema;
        expect(schema.allOf).toEqual([{ $ref: '#/components/schemas/Error' }]);
        for (const code of schema.properties.error.properties.code.enum) {
          expect(String(errorCodes[code as keyof typeof errorCodes].status)).toBe(status);
          listed.push(code);
        }
      }
      expect(listed.sort()).toEqual(errorCodesOf(route));
      if (route.endpoint.scope !== 'public') expect(listed).toContain('API_TOKEN_MISSING');
      if (route.endpoint.scope === 'organization') expect(listed).toContain('ADMIN_FORBIDDEN');
      if (route.endpoint.method !== 'get' && !route.tokenOnly) expect(listed).toContain('CSRF_TOKEN_INVALID');
    }
    expect(document.components.schemas.Error).toMatchObject({ type: 'object', required: ['error'] });
  });

  it('keeps dangerous actions to sessions: no token path, only the session\'s security, the second-factor header', () => {
    const resetMfa = document.paths['/orgs/{slug}/users/{id}/reset-mfa'].post;
    expect(resetMfa.security).toEqual([{ adminSession: [], csrfToken: [] }]);
    expect(resetMfa.parameters.map((parameter: Json) => parameter.name)).toContain('X-Lanyard-TOTP');
    expect(document.paths['/users/{id}/reset-mfa']).toBeUndefined();
    expect(document.paths['/users/{id}/disable'].post.security).toEqual([{ apiToken: [] }]);
  });
});
