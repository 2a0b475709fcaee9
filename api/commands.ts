import { LanyardError } from '../core/errors.ts';
import { createApiToken, listOrganizationApiTokens, revokeApiToken } from './api-tokens.ts';
import { table, type CommandDefinition } from '../core/commands.ts';

/** `lanyard api-token …`: tokens for the admin API (`/api/v1`), one organization each. */
export const apiTokenCommands: readonly CommandDefinition[] = [
  {
    words: ['api-token', 'create'],
    positionals: ['org'],
    options: { name: { type: 'string' } },
    summary: 'api-token create <org> --name <name>   (prints the token once)',
    async run({ args, options, context }) {
      if (typeof options.name !== 'string') throw new LanyardError('USAGE', 'usage: lanyard api-token create <org> --name <name>');
      const { token, secret } = await createApiToken(context.db, args.org!, options.name, 'cli');
      return {
        json: { token, secret },
        text: `API token ${token.name} created (${token.id})\n\ntoken (shown once; send it as Authorization: Bearer <token>):\n${secret}`,
      };
    },
  },
  {
    words: ['api-token', 'list'],
    positionals: ['org'],
    summary: 'api-token list <org>',
    async run({ args, context }) {
      const tokens = await listOrganizationApiTokens(context.db, args.org!);
      return {
        json: tokens,
        text: table(['ID', 'NAME', 'STATE', 'LAST USED'], tokens.map((token) => [token.id, token.name, token.revokedAt ? 'revoked' : 'active', token.lastUsedAt?.slice(0, 19) ?? '-'])),
      };
    },
  },
  {
    words: ['api-token', 'revoke'],
    positionals: ['tokenId'],
    summary: 'api-token revoke <token-id>',
    async run({ args, context }) {
      await revokeApiToken(context.db, args.tokenId!, 'cli');
      return { json: { revoked: args.tokenId }, text: `API token ${args.tokenId} revoked` };
    },
  },
];
