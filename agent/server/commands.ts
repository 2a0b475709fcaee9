import { LanyardError } from '../../core/errors.ts';
import {
  confirmPendingDeletions, getAgentStatus, listAgents, registerAgent, revokeAgent, setDeletionGuardThreshold, type AgentSummary,
} from './admin.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';

const agentRow = (agent: AgentSummary) => [
  agent.id,
  agent.name,
  agent.revokedAt ? 'revoked' : agent.connected ? 'connected' : 'offline',
  agent.lastSeenAt?.slice(0, 19) ?? '-',
  agent.lastError ? `${agent.lastError.code}: ${agent.lastError.message}` : '',
];
const agentHeaders = ['ID', 'NAME', 'STATE', 'LAST SEEN', 'LAST ERROR'];

/** `lanyard agent …`: register, list and revoke on-premises directory agents; sync status and the deletion guard. */
export const agentCommands: readonly CommandDefinition[] = [
  {
    words: ['agent', 'register'],
    positionals: ['org'],
    options: { name: { type: 'string' } },
    summary: 'agent register <org> --name <name>   (prints the agent key once)',
    async run({ args, options, context }) {
      if (typeof options.name !== 'string') throw new LanyardError('USAGE', 'usage: lanyard agent register <org> --name <name>');
      const { agent, key } = await registerAgent(context.db, args.org!, options.name);
      return {
        json: { agent, key },
        text: [
          `agent ${agent.name} registered (${agent.id})`,
          '',
          `agent key (shown once; put it in the agent's agentKeyFile, readable only by the agent):`,
          key,
        ].join('\n'),
      };
    },
  },
  {
    words: ['agent', 'list'],
    positionals: ['org'],
    summary: 'agent list <org>',
    async run({ args, context }) {
      const agents = await listAgents(context.db, args.org!);
      return { json: agents, text: table(agentHeaders, agents.map(agentRow)) };
    },
  },
  {
    words: ['agent', 'revoke'],
    positionals: ['agentId'],
    summary: 'agent revoke <agent-id>',
    async run({ args, context }) {
      await revokeAgent(context.db, args.agentId!);
      return { json: { revoked: args.agentId }, text: `agent ${args.agentId} revoked: its key is refused from now on` };
    },
  },
  {
    words: ['agent', 'status'],
    positionals: ['org'],
    summary: 'agent status <org>   (agents, running and last sync, deletion guard)',
    async run({ args, context }) {
      const status = await getAgentStatus(context.db, args.org!);
      const last = status.lastSync;
      const guard = status.deletionGuard;
      const lines = [
        table(agentHeaders, status.agents.map(agentRow)),
        '',
        status.syncing ? `syncing: ${status.syncing.mode ?? ''} run by ${status.syncing.agentId} since ${status.syncing.startedAt ?? '?'}` : 'syncing: no',
        last
          ? `last sync: ${last.outcome} (${last.mode}) finished ${last.finishedAt ?? '-'}; ${Object.entries(last.counts).map(([name, count]) => `${name} ${count}`).join(', ')}`
          : 'last sync: never',
        ...(last?.errors ?? []).slice(0, 20).map((error) => `  ${error.code}: ${error.message}${error.dn ? ` (${error.dn})` : ''}`),
        `deletion guard: threshold ${guard.threshold}` +
          (guard.pendingDeletions !== null ? `; ${guard.pendingDeletions} deletions wait for \`lanyard agent confirm-deletions ${status.organization}\`` : ''),
      ];
      return { json: status, text: lines.join('\n') };
    },
  },
  {
    words: ['agent', 'confirm-deletions'],
    positionals: ['org'],
    summary: 'agent confirm-deletions <org>   (let the next sync disable what the deletion guard held back)',
    async run({ args, context }) {
      const { confirmed } = await confirmPendingDeletions(context.db, args.org!);
      return { json: { confirmed }, text: `${confirmed} deletions confirmed: the next sync disables those accounts` };
    },
  },
  {
    words: ['agent', 'set-deletion-threshold'],
    positionals: ['org', 'threshold'],
    summary: 'agent set-deletion-threshold <org> <n>   (default 500)',
    async run({ args, context }) {
      const threshold = Number(args.threshold);
      await setDeletionGuardThreshold(context.db, args.org!, threshold);
      return { json: { threshold }, text: `deletion guard threshold set to ${threshold}` };
    },
  },
];
