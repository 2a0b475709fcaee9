import type Router from '@koa/router';
import { z } from 'zod';
import type { JobQueue } from '../core/module.ts';
import type { PortalDeps } from '../portal/session/deps.ts';
import type { ProvisioningDeps } from '../provisioning/runs/run-context.ts';
import { endpoint, type Endpoint } from './endpoint.ts';
import { auditEndpoints } from './endpoints/audit.ts';
import { callerEndpoints } from './endpoints/caller.ts';
import type { ApiDeps } from './endpoints/deps.ts';
import { directoryEndpoints } from './endpoints/directory.ts';
import { domainEndpoints } from './endpoints/domains.ts';
import { organizationEndpoints } from './endpoints/organization.ts';
import { provisioningEndpoints } from './endpoints/provisioning.ts';
import { signingKeyEndpoints } from './endpoints/signing-keys.ts';
import { userEndpoints } from './endpoints/users.ts';
import { mountEndpoints } from './mount.ts';
import { openApiDocument } from './openapi.ts';

let document: unknown;

/**
 * Every endpoint of the admin API, `/api/v1/…`, JSON only. Each is declared once (endpoint.ts): the
 * router validates with its schemas and GET /api/v1/openapi.json is generated from the same
 * declarations. Callers are an organization's API token (`Authorization: Bearer …`, acting for its
 * one organization: another organization's run is simply not found) or a signed-in admin's portal
 * session (caller.ts); every call is asked of the portal's one rule (`can`). docs/api.md lists them.
 *
 * Errors are `{ error: { code, message, details? } }` with the LanyardError status (the app's error
 * handler answers JSON under /api/). A run started here is a `provisioning.run` job (`jobId`) of
 * the job runner: the runner of this node starts it at once, and if this node stops, another node's takes it over.
 */
export const adminApiEndpoints: readonly Endpoint[] = [
  ...callerEndpoints,
  ...organizationEndpoints,
  ...userEndpoints,
  ...domainEndpoints,
  ...provisioningEndpoints,
  ...directoryEndpoints,
  ...auditEndpoints,
  ...signingKeyEndpoints,
  endpoint({
    id: 'getOpenApiDocument', method: 'get', path: '/openapi.json', scope: 'public', tag: 'Document',
    summary: 'This document: OpenAPI 3.1, generated from the schemas the API validates with',
    response: z.record(z.string(), z.unknown()),
    handle: async ({ ctx }) => {
      ctx.set('Cache-Control', 'no-cache');
      return (document ??= openApiDocument(adminApiEndpoints));
    },
  }),
];

export function createAdminApiRouters(portal: PortalDeps, provisioning: ProvisioningDeps, jobs: JobQueue, options: { maxBodyBytes?: number } = {}): Router[] {
  const deps: ApiDeps = {
    portal,
    context: { ...portal.context, delegatedAccess: portal.services.delegatedTenantAccess },
    provisioning,
    jobs,
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024,
  };
  return mountEndpoints(adminApiEndpoints, deps);
}
