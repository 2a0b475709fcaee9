import { newUser } from '../state/new-user.ts';
import type { Tenant, User } from '../state/model.ts';
import { findUserByPrincipalName } from '../state/store.ts';
import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { badRequest, GraphError, notFound } from './errors.ts';
import { contextUrl, isAdvancedQuery, paginate, parseFilter, parseSelect, project, type FilterSupport } from './odata.ts';
import { validateUserChanges } from './user-validation.ts';

export const userReadRoles = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
export const userWriteRoles = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];

/** Returned when no `$select` is given (Graph's user-list page). */
const defaultProperties = [
  'businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone',
  'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName',
];

const selectableProperties = [
  ...defaultProperties,
  'accountEnabled', 'assignedLicenses', 'createdDateTime', 'mailNickname', 'onPremisesImmutableId',
  'usageLocation', 'userType', 'signInActivity',
];

/** Graph refuses signInActivity in a tenant without Entra ID P1/P2 (Graph docs, "signInActivity" / known issues). */
function requirePremiumForSignInActivity(call: GraphCall, select: readonly string[] | undefined): void {
  if (!select?.includes('signInActivity')) return;
  const premium = [...call.caller.tenant.skus.values()].some((sku) => sku.servicePlans.some((plan) => plan.servicePlanName.startsWith('AAD_PREMIUM')));
  if (!premium) {
    throw new GraphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
  }
  const top = Number(call.request.query.get('$top') ?? '100');
  if (top > 500) throw badRequest('The page size with signInActivity selected may be at most 500.');
}

const filterSupport: FilterSupport = {
  userPrincipalName: ['eq', 'ne', 'startswith', 'endswith'],
  onPremisesImmutableId: ['eq', 'ne'],
  displayName: ['eq', 'ne', 'startswith'],
  mail: ['eq', 'ne', 'startswith', 'endswith'],
  mailNickname: ['eq', 'ne', 'startswith'],
  usageLocation: ['eq', 'ne', 'startswith'],
  accountEnabled: ['eq', 'ne'],
  id: ['eq', 'ne'],
};

/** `/users/{id}` accepts an object id or a userPrincipalName. */
export function findUserOrThrow(tenant: Tenant, idOrPrincipalName: string): User {
  const user = tenant.users.get(idOrPrincipalName) ?? findUserByPrincipalName(tenant, idOrPrincipalName);
  if (!user) throw notFound(idOrPrincipalName);
  return user;
}

export function userResource(user: User, select: readonly string[] | undefined): Record<string, unknown> {
  const resource = project(user, select ?? defaultProperties);
  // EMULATOR CHOICE: the emulator keeps no per-user sign-in log for this, so the dates are null (as for a user who never signed in).
  if (select?.includes('signInActivity')) resource.signInActivity = { lastSignInDateTime: null, lastNonInteractiveSignInDateTime: null, lastSuccessfulSignInDateTime: null };
  return resource;
}

function listUsers(call: GraphCall): GraphResponse {
  requireAnyRole(call, userReadRoles);
  const select = parseSelect(call, 'user', selectableProperties);
  requirePremiumForSignInActivity(call, select);
  const predicate = parseFilter(call, filterSupport);
  if (call.request.query.has('$count') && !isAdvancedQuery(call)) {
    throw badRequest('$count requires the ConsistencyLevel: eventual header.');
  }
  const users = [...call.caller.tenant.users.values()].filter((user) => predicate?.(user) ?? true);
  const page = paginate(call, '/users', users);
  const selectFragment = select ? `users(${select.join(',')})` : 'users';
  return {
    status: 200,
    headers: {},
    body: {
      '@odata.context': contextUrl(call, selectFragment),
      // Graph returns the count on the first page only.
      ...(isAdvancedQuery(call) && !call.request.query.has('$skiptoken') ? { '@odata.count': users.length } : {}),
      value: page.items.map((user) => userResource(user, select)),
      ...(page.nextLink ? { '@odata.nextLink': page.nextLink } : {}),
    },
  };
}

function getUser(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, userReadRoles);
  const user = findUserOrThrow(call.caller.tenant, parameters.userId ?? '');
  const select = parseSelect(call, 'user', selectableProperties);
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': contextUrl(call, 'users/$entity'), ...userResource(user, select) },
  };
}

/** POST /users → 201 with the default property set. */
function createUser(call: GraphCall): GraphResponse {
  requireAnyRole(call, userWriteRoles);
  const tenant = call.caller.tenant;
  const input = validateUserChanges(call, tenant, undefined);
  const user = newUser({
    userPrincipalName: input.userPrincipalName ?? '',
    displayName: input.displayName ?? '',
    mailNickname: input.mailNickname ?? '',
    accountEnabled: input.accountEnabled ?? false,
    givenName: input.givenName,
    surname: input.surname,
    jobTitle: input.jobTitle,
    usageLocation: input.usageLocation,
    onPremisesImmutableId: input.onPremisesImmutableId,
  }, call.context.state.now());

  tenant.users.set(user.id, user);
  if (input.password !== undefined) tenant.passwords.set(user.id, input.password);
  return {
    status: 201,
    headers: { Location: `${call.context.baseUrl}/v1.0/users/${user.id}` },
    body: { '@odata.context': contextUrl(call, 'users/$entity'), ...userResource(user, undefined) },
  };
}

/** PATCH /users/{id} → 204; only the supplied properties change. */
function updateUser(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, userWriteRoles);
  const tenant = call.caller.tenant;
  const user = findUserOrThrow(tenant, parameters.userId ?? '');
  const { password, ...changes } = validateUserChanges(call, tenant, user);
  const before = { userPrincipalName: user.userPrincipalName, onPremisesImmutableId: user.onPremisesImmutableId };
  Object.assign(user, changes);
  tenant.users.reindex(user, before);
  if (password !== undefined) tenant.passwords.set(user.id, password);
  return { status: 204, headers: {} };
}

/** DELETE /users/{id} → 204 (Graph moves the user to deleted items; the emulator just removes it). */
function deleteUser(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, ['User.DeleteRestore.All', ...userWriteRoles]);
  const tenant = call.caller.tenant;
  const user = findUserOrThrow(tenant, parameters.userId ?? '');
  tenant.users.delete(user.id);
  tenant.passwords.delete(user.id);
  return { status: 204, headers: {} };
}

const userPath = /^\/users\/(?<userId>[^/]+)\/?$/;

export const userRoutes: readonly GraphRoute[] = [
  { method: 'GET', pattern: /^\/users\/?$/, handler: listUsers },
  { method: 'POST', pattern: /^\/users\/?$/, handler: createUser },
  { method: 'GET', pattern: userPath, handler: getUser },
  { method: 'PATCH', pattern: userPath, handler: updateUser },
  { method: 'DELETE', pattern: userPath, handler: deleteUser },
];
