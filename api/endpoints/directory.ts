import { z } from 'zod';
import { agentsStatus, confirmOrganizationDeletions, registerOrganizationAgent, revokeOrganizationAgent } from '../../portal/views/agents.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { agentShape, named, timeShape } from '../shapes.ts';

const statusShape = named('DirectoryStatus', z.strictObject({
  organization: z.string(),
  agents: z.array(agentShape),
  syncing: z.strictObject({ agentId: z.string(), mode: z.string().nullable(), startedAt: timeShape.nullable(), leaseExpiresAt: timeShape }).nullable(),
  lastSync: z.strictObject({
    agentId: z.string().nullable(),
    mode: z.string().nullable(),
    outcome: z.string().nullable(),
    startedAt: timeShape.nullable(),
    finishedAt: timeShape.nullable(),
    counts: z.record(z.string(), z.number()),
    errors: z.array(z.strictObject({ code: z.string(), message: z.string(), dn: z.string().optional(), anchor: z.string().nullable().optional() })),
  }).nullable(),
  syncCount: z.number().int(),
  deletionGuard: z.strictObject({ threshold: z.number(), pendingDeletions: z.number().int().nullable(), confirmedDeletions: z.number().int().nullable() }),
}), 'The directory sync: agents, the sync in progress, the last one with its errors, the deletion guard.');

/** Directory agents: status, register (key shown once), revoke, confirm held-back deletions. */
export const directoryEndpoints: readonly Endpoint[] = [
  endpoint({
    id: 'getDirectoryStatus', method: 'get', path: '/directory/status', scope: 'organization', action: 'agents.view', tag: 'Directory',
    summary: 'Agents, last sync, deletion guard', response: statusShape,
    handle: async ({ deps, organization, caller, now }) => agentsStatus(deps.context.db, caller.admin, organization, now),
  }),
  endpoint({
    id: 'registerDirectoryAgent', method: 'post', path: '/directory/agents', scope: 'organization', action: 'agents.manage', tag: 'Directory', status: 201,
    summary: 'Registers a directory agent; its key is in this answer only (stored as a hash)',
    body: z.strictObject({ name: z.string().min(1).max(100) }),
    response: z.strictObject({ agent: agentShape, key: z.string().describe('Shown once: the agent sends it as its bearer key') }),
    errors: ['AGENT_NAME_INVALID'],
    handle: async ({ deps, ctx, organization, body, caller, now }) => {
      ctx.set('Cache-Control', 'no-store');
      return registerOrganizationAgent(deps.context.db, caller.admin, organization, body.name, now);
    },
  }),
  endpoint({
    id: 'revokeDirectoryAgent', method: 'post', path: '/directory/agents/:id/revoke', scope: 'organization', action: 'agents.manage', tag: 'Directory',
    summary: 'Revokes an agent: its key is refused from its next request on',
    params: z.strictObject({ id: z.string().min(1).max(100) }), errors: ['AGENT_NOT_FOUND', 'AGENT_ALREADY_REVOKED'],
    handle: async ({ deps, organization, params, caller, now }) => {
      await revokeOrganizationAgent(deps.context.db, caller.admin, organization, params.id, now);
    },
  }),
  endpoint({
    id: 'confirmDirectoryDeletions', method: 'post', path: '/directory/confirm-deletions', scope: 'organization', action: 'agents.confirm-deletions', tag: 'Directory',
    summary: 'Lets the next sync disable the accounts the deletion guard held back (dangerous: a fresh second factor)', errors: ['SYNC_NO_PENDING_DELETIONS'],
    response: z.strictObject({ confirmed: z.number().int() }),
    handle: async ({ deps, organization, caller, now }) => confirmOrganizationDeletions(deps.context.db, caller.admin, organization, now),
  }),
];
