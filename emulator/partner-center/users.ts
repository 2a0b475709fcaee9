import type { Tenant, User } from '../state/model.ts';
import { EmulatorStateError } from '../state/store.ts';
import { pagedCollection, resourceAttributes } from './collections.ts';
import { bodyObject, customerOf, stringField } from './customer-access.ts';
import type { PartnerCenterCall, PartnerCenterResponse, PartnerCenterRoute } from './dispatcher.ts';
import { invalidProperty, PartnerCenterError } from './errors.ts';
import { customerUserOf } from './licences.ts';

/** A directory user as Partner Center's CustomerUser (reference C.8). */
function customerUserResource(user: User): Record<string, unknown> {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    firstName: user.givenName,
    lastName: user.surname,
    displayName: user.displayName,
    immutableId: user.onPremisesImmutableId,
    usageLocation: user.usageLocation,
    lastDirectorySyncTime: null,
    userDomainType: 'none',
    state: user.accountEnabled ? 'active' : 'inactive',
    softDeletionTime: null,
    attributes: resourceAttributes('CustomerUser'),
  };
}

function listUsers(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { tenant } = customerOf(call, parameters.customerId ?? '');
  return { status: 200, body: pagedCollection(call, [...tenant.users.values()].map(customerUserResource)) };
}

function getUser(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { tenant } = customerOf(call, parameters.customerId ?? '');
  return { status: 200, body: customerUserResource(customerUserOf(tenant, parameters.userId ?? '')) };
}

/** `POST /v1/customers/{id}/users` → 201 (Microsoft's sample shows 200; EMULATOR CHOICE: 201 Created). */
function createUser(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { tenant } = customerOf(call, parameters.customerId ?? '');
  const body = bodyObject(call);
  const userPrincipalName = stringField(body, 'userPrincipalName');
  const displayName = stringField(body, 'displayName');
  const password = stringField((body.passwordProfile ?? {}) as Record<string, unknown>, 'password');
  if (!userPrincipalName || !displayName || !password) throw invalidProperty('UserPrincipalName, DisplayName and PasswordProfile.Password are required.');
  const user = addUser(call, tenant, {
    userPrincipalName,
    displayName,
    password,
    ...optional('givenName', stringField(body, 'firstName')),
    ...optional('surname', stringField(body, 'lastName')),
    ...optional('usageLocation', stringField(body, 'usageLocation')),
    ...optional('onPremisesImmutableId', stringField(body, 'immutableId')),
  });
  return { status: 201, body: customerUserResource(user) };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** The directory's own rules (domain of the tenant, unique UPN) answered as Partner Center errors. */
function addUser(call: PartnerCenterCall, tenant: Tenant, input: Parameters<typeof call.context.state.addUser>[1]): User {
  try {
    return call.context.state.addUser(tenant, input);
  } catch (error) {
    if (!(error instanceof EmulatorStateError)) throw error;
    // EMULATOR CHOICE: 409 for a taken UPN, else 400, both with code 3000.
    throw new PartnerCenterError(error.kind === 'conflict' ? 409 : 400, 3000, error.message);
  }
}

function updateUser(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { tenant } = customerOf(call, parameters.customerId ?? '');
  const user = customerUserOf(tenant, parameters.userId ?? '');
  const body = bodyObject(call);
  const usageLocation = stringField(body, 'usageLocation');
  if (usageLocation !== undefined && !/^[A-Z]{2}$/i.test(usageLocation)) throw invalidProperty('UsageLocation must be a two-letter country code.');
  user.displayName = stringField(body, 'displayName') ?? user.displayName;
  user.givenName = stringField(body, 'firstName') ?? user.givenName;
  user.surname = stringField(body, 'lastName') ?? user.surname;
  user.usageLocation = usageLocation?.toUpperCase() ?? user.usageLocation;
  return { status: 200, body: customerUserResource(user) };
}

function deleteUser(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { tenant } = customerOf(call, parameters.customerId ?? '');
  const user = customerUserOf(tenant, parameters.userId ?? '');
  tenant.users.delete(user.id);
  tenant.passwords.delete(user.id);
  return { status: 204 };
}

const usersPath = String.raw`^\/customers\/(?<customerId>[^/]+)\/users`;

export const userRoutes: readonly PartnerCenterRoute[] = [
  { method: 'GET', pattern: new RegExp(`${usersPath}\\/?$`), handler: listUsers },
  { method: 'POST', pattern: new RegExp(`${usersPath}\\/?$`), handler: createUser, appPlusUser: true },
  { method: 'GET', pattern: new RegExp(`${usersPath}\\/(?<userId>[^/]+)\\/?$`), handler: getUser },
  { method: 'PATCH', pattern: new RegExp(`${usersPath}\\/(?<userId>[^/]+)\\/?$`), handler: updateUser, appPlusUser: true },
  { method: 'DELETE', pattern: new RegExp(`${usersPath}\\/(?<userId>[^/]+)\\/?$`), handler: deleteUser, appPlusUser: true },
];
