import { addUser, enrolUserTotp, listOrganizationUsers, removeUser, setUserEnabled, setUserPassword } from '../accounts/users.ts';
import type { User } from '../../core/db/schema.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';
import { unlockAccount } from '../login/account-unlock.ts';

/** What CLI output shows of a user: never the password hash. */
export const userJson = (user: User) => ({
  upn: user.upn,
  immutableId: user.immutableId,
  displayName: user.displayName,
  source: user.source,
  status: user.status,
  usageLocation: user.usageLocation,
  hasPassword: user.passwordHash !== null,
});

const statusCommand = (verb: 'disable' | 'enable'): CommandDefinition => ({
  words: ['user', verb],
  positionals: ['upn'],
  summary: `user ${verb} <upn>`,
  async run({ args, context }) {
    const user = await setUserEnabled(context.db, args.upn!, verb === 'enable', 'cli');
    return { json: userJson(user), text: `${user.upn} is now ${user.status}${verb === 'disable' ? '; live sessions ended' : ''}` };
  },
});

export const userCommands: readonly CommandDefinition[] = [
  {
    words: ['user', 'add'],
    positionals: ['upn'],
    options: { name: { type: 'string' }, 'immutable-id': { type: 'string' }, 'usage-location': { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    summary: 'user add <upn> [--name <display>] [--immutable-id <id>] [--usage-location <country>] [--password-stdin]',
    async run({ args, options, context, readSecret }) {
      const password = options['password-stdin'] ? await readSecret() : undefined;
      const user = await addUser(
        context.db,
        { upn: args.upn!, displayName: options.name as string | undefined, immutableId: options['immutable-id'] as string | undefined, usageLocation: options['usage-location'] as string | undefined, password },
        { actor: 'cli', passwordHashCost: context.config.passwordHashCost },
      );
      return { json: userJson(user), text: `added ${user.upn}, immutable ID ${user.immutableId}${password ? '' : ' (no password yet: use `user set-password`)'}` };
    },
  },
  {
    words: ['user', 'set-password'],
    positionals: ['upn'],
    options: { 'password-stdin': { type: 'boolean' } },
    summary: 'user set-password <upn> --password-stdin',
    async run({ args, context, readSecret }) {
      const user = await setUserPassword(context.db, args.upn!, await readSecret(), { actor: 'cli', passwordHashCost: context.config.passwordHashCost });
      return { json: { upn: user.upn, passwordChanged: true }, text: `password set for ${user.upn}; existing sessions ended` };
    },
  },
  statusCommand('disable'),
  statusCommand('enable'),
  {
    words: ['user', 'unlock'],
    positionals: ['upn'],
    summary: 'user unlock <upn>',
    async run({ args, context }) {
      const user = await unlockAccount(context.db, context.masterKey, args.upn!, 'cli');
      return { json: { upn: user.upn, unlocked: true }, text: `${user.upn} unlocked: its failed password and code counts are cleared` };
    },
  },
  {
    words: ['user', 'remove'],
    positionals: ['upn'],
    summary: 'user remove <upn>',
    async run({ args, context }) {
      const user = await removeUser(context.db, args.upn!, 'cli');
      return { json: { upn: user.upn, removed: true }, text: `removed ${user.upn}` };
    },
  },
  {
    words: ['user', 'list'],
    positionals: ['org'],
    summary: 'user list <org>',
    async run({ args, context }) {
      const users = await listOrganizationUsers(context.db, args.org!);
      return {
        json: users.map(userJson),
        text: table(['UPN', 'IMMUTABLE ID', 'SOURCE', 'STATUS'], users.map((u) => [u.upn, u.immutableId, u.source, u.status])),
      };
    },
  },
  {
    words: ['user', 'mfa', 'enroll'],
    positionals: ['upn'],
    summary: 'user mfa enroll <upn>',
    async run({ args, context }) {
      const { secret, otpauthUri } = await enrolUserTotp(context.db, context.secretBox, args.upn!, 'cli');
      return { json: { secret, otpauthUri }, text: `secret: ${secret}\notpauth URI: ${otpauthUri}\nGive these to the user once; they replace any earlier authenticator.` };
    },
  },
];
