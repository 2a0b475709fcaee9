import { z } from 'zod';
import { queryAudit } from '../../portal/views/audit.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { auditEventShape, named } from '../shapes.ts';

const text = (description: string) => z.string().max(200).optional().describe(description);
const auditQuery = z.object({
  actor: text('Part of the actor (`user:alice@`, `cli`, `api:`)'),
  action: text('Part of the action (`user.`, `signin.totp`)'),
  user: text('One account\'s events: as the actor (its sign-ins) or as the target (changes to it)'),
  from: text('ISO time, inclusive'),
  to: text('ISO time, exclusive'),
  before: text('The `next` of the previous page'),
});
const auditPageShape = named('AuditPage', z.strictObject({ events: z.array(auditEventShape), next: z.string().nullable() }));

/** The audit log: an organization's events, and (the operator's) the installation's. */
export const auditEndpoints: readonly Endpoint[] = [
  endpoint({
    id: 'queryAudit', method: 'get', path: '/audit', scope: 'organization', action: 'audit.view', tag: 'Audit',
    summary: 'The organization\'s audit events, newest first, filtered', query: auditQuery, response: auditPageShape,
    handle: async ({ deps, organization, query }) => queryAudit(deps.context.db, { kind: 'organization', organization }, query),
  }),
  endpoint({
    id: 'queryInstallationAudit', method: 'get', path: '/installation/audit', scope: 'installation', action: 'installation.view', tag: 'Audit',
    summary: 'Every audit event of this Lanyard (the operator\'s; never an API token\'s)', query: auditQuery, response: auditPageShape,
    handle: async ({ deps, query }) => queryAudit(deps.context.db, { kind: 'installation' }, query),
  }),
];
