import { z } from 'zod';
import type { Db } from '../../core/db/database.ts';
import type { User } from '../../core/db/schema.ts';
import { addOrganizationUser, deleteOrganizationUser, editOrganizationUser, resetOrganizationUserPassword } from '../../portal/views/user-changes.ts';
import { changeUserStatus, requireUserOf, resetUserMfa, searchUsers } from '../../portal/views/users.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { activationLinkShape, named, userShape } from '../shapes.ts';

const userId = z.strictObject({ id: z.string().min(1).max(100).describe('The user\'s id (`id` in the list)') });
const userPageShape = named('UserPage', z.strictObject({ users: z.array(userShape), next: z.string().nullable().describe('Pass as `after` for the next page; null on the last') }));

/** Accounts as the API shows them: every column a caller may read, and whether an authenticator is set up. */
async function userViews(db: Db, users: readonly User[]) {
  const ids = users.map((user) => user.id);
  const enrolled = new Set(ids.length === 0 ? [] : (await db.selectFrom('mfaCredentials').select('userId').where('userId', 'in', ids).where('confirmedAt', 'is not', null).execute()).map((row) => row.userId));
  return users.map((user) => ({
    id: user.id, upn: user.upn, immutableId: user.immutableId, displayName: user.displayName, givenName: user.givenName, surname: user.surname,
    source: user.source, status: user.status, usageLocation: user.usageLocation, microsoftObjectId: user.microsoftObjectId,
    mfaEnrolled: enrolled.has(user.id), createdAt: user.createdAt, updatedAt: user.updatedAt,
  }));
}
const userView = async (db: Db, user: User) => (await userViews(db, [user]))[0]!;

/** Users: search and paging, add (activation link), edit, disable / enable, reset MFA or password, delete. */
export const userEndpoints: readonly Endpoint[] = [
  endpoint({
    id: 'listUsers', method: 'get', path: '/users', scope: 'organization', action: 'users.view', tag: 'Users',
    summary: 'One page of the organization\'s users by UPN, optionally only those whose UPN or name contains `q`',
    query: z.object({
      q: z.string().max(200).optional().describe('Part of the UPN or display name'),
      after: z.string().max(400).optional().describe('The `next` of the previous page'),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
    }),
    response: userPageShape,
    handle: async ({ deps, organization, query }) => {
      const page = await searchUsers(deps.context.db, organization, { search: query.q, after: query.after, limit: query.limit });
      const ids = page.users.map((user) => user.id);
      const rows = ids.length === 0 ? [] : await deps.context.db.selectFrom('users').selectAll().where('id', 'in', ids).orderBy('upn').execute();
      return { users: await userViews(deps.context.db, rows), next: page.next };
    },
  }),
  endpoint({
    id: 'addUser', method: 'post', path: '/users', scope: 'organization', action: 'users.add', tag: 'Users', status: 201,
    summary: 'Adds a local account, pending until its person opens the activation link (shown in this answer only)',
    body: z.strictObject({ upn: z.string().min(3).max(256), displayName: z.string().max(256).optional() }),
    response: z.strictObject({ user: userShape, activationLink: activationLinkShape }),
    errors: ['DOMAIN_NOT_FOUND', 'UPN_INVALID', 'DISPLAY_NAME_INVALID', 'USER_EXISTS'],
    handle: async ({ deps, ctx, organization, body, caller, now }) => {
      const { user, link } = await addOrganizationUser(deps.context.db, deps.context.config.publicUrl, deps.context.config.passwordHashCost, caller.admin, organization, { upn: body.upn, ...(body.displayName && { displayName: body.displayName }) }, now);
      ctx.set('Cache-Control', 'no-store');
      return { user: await userView(deps.context.db, user), activationLink: link };
    },
  }),
  endpoint({
    id: 'getUser', method: 'get', path: '/users/:id', scope: 'organization', action: 'users.view', tag: 'Users',
    summary: 'One user of the organization', params: userId, response: userShape, errors: ['USER_NOT_FOUND'],
    handle: async ({ deps, organization, params }) => userView(deps.context.db, await requireUserOf(deps.context.db, organization, params.id)),
  }),
  endpoint({
    id: 'editUser', method: 'patch', path: '/users/:id', scope: 'organization', action: 'users.edit', tag: 'Users',
    summary: 'Changes a local account\'s display name (a directory account is changed in the directory)',
    params: userId, body: z.strictObject({ displayName: z.string().max(256) }), response: userShape,
    errors: ['USER_NOT_FOUND', 'USER_DIRECTORY_MANAGED', 'DISPLAY_NAME_INVALID'],
    handle: async ({ deps, organization, params, body, caller, now }) => userView(deps.context.db, await editOrganizationUser(deps.context.db, caller.admin, organization, params.id, body, now)),
  }),
  ...(['disable', 'enable'] as const).map((verb) => endpoint({
    id: `${verb}User`, method: 'post', path: `/users/:id/${verb}`, scope: 'organization', action: 'users.change', tag: 'Users',
    summary: verb === 'disable' ? 'Disables an account and ends its sessions' : 'Enables a disabled account',
    params: userId, response: userShape, errors: ['USER_NOT_FOUND'],
    handle: async ({ deps, organization, params, caller, now }) => userView(deps.context.db, await changeUserStatus(deps.context.db, caller.admin, organization, params.id, verb === 'enable', now)),
  })),
  endpoint({
    id: 'resetUserMfa', method: 'post', path: '/users/:id/reset-mfa', scope: 'organization', action: 'users.reset-mfa', tag: 'Users',
    summary: 'Removes the account\'s authenticator: a new enrolment at its next sign-in (dangerous: a fresh second factor)',
    params: userId, response: userShape, errors: ['USER_NOT_FOUND'],
    handle: async ({ deps, organization, params, caller, now }) => userView(deps.context.db, await resetUserMfa(deps.context.db, caller.admin, organization, params.id, now)),
  }),
  endpoint({
    id: 'resetUserPassword', method: 'post', path: '/users/:id/reset-password', scope: 'organization', action: 'users.reset-password', tag: 'Users',
    summary: 'Removes password and authenticator, ends every session, and answers a new activation link (dangerous: a fresh second factor)',
    params: userId, response: z.strictObject({ activationLink: activationLinkShape }), errors: ['USER_NOT_FOUND', 'USER_DIRECTORY_MANAGED', 'USER_DISABLED'],
    handle: async ({ deps, ctx, organization, params, caller, now }) => {
      const link = await resetOrganizationUserPassword(deps.context.db, deps.context.config.publicUrl, caller.admin, organization, params.id, now);
      ctx.set('Cache-Control', 'no-store');
      return { activationLink: link };
    },
  }),
  endpoint({
    id: 'deleteUser', method: 'delete', path: '/users/:id', scope: 'organization', action: 'users.delete', tag: 'Users',
    summary: 'Deletes an account (never the caller\'s own; dangerous: a fresh second factor)',
    params: userId, errors: ['USER_NOT_FOUND', 'ADMIN_SELF_DELETE'],
    handle: async ({ deps, organization, params, caller }) => {
      await deleteOrganizationUser(deps.context.db, caller.admin, organization, params.id);
    },
  }),
];
