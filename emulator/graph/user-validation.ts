import type { Tenant, User } from '../state/model.ts';
import { findUserByPrincipalName } from '../state/store.ts';
import type { GraphCall } from './dispatcher.ts';
import { badRequest, objectConflict } from './errors.ts';

export interface UserChanges {
  accountEnabled?: boolean;
  displayName?: string;
  mailNickname?: string;
  userPrincipalName?: string;
  givenName?: string | null;
  surname?: string | null;
  jobTitle?: string | null;
  usageLocation?: string | null;
  onPremisesImmutableId?: string | null;
  password?: string;
}

const requiredOnCreate = ['accountEnabled', 'displayName', 'mailNickname', 'passwordProfile', 'userPrincipalName'];
/** Allowed UPN alias characters (Graph user resource). */
const aliasPattern = /^[A-Za-z0-9'.\-_!#^~]+$/;

/**
 * Graph's rules for POST and PATCH /users (user resource and create-user pages): required fields on create;
 * the UPN's domain must be a verified domain of the tenant; UPN and immutable ID unique; the immutable ID
 * is required for a UPN in a federated domain and cannot change while the user is in one.
 */
export function validateUserChanges(call: GraphCall, tenant: Tenant, existing: User | undefined): UserChanges {
  const body = call.request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('A JSON object body is required.');
  const input = body as Record<string, unknown>;
  if (!existing) {
    const missing = requiredOnCreate.filter((name) => input[name] === undefined || input[name] === null);
    if (missing.length > 0) throw badRequest(`Invalid value specified for property '${missing[0]}' of resource 'User'.`);
  }
  const changes: UserChanges = {};
  for (const [property, value] of Object.entries(input)) {
    switch (property) {
      case 'accountEnabled':
        if (typeof value !== 'boolean') throw invalidValue(property);
        changes.accountEnabled = value;
        break;
      case 'displayName':
        changes.displayName = text(property, value, 256);
        break;
      case 'mailNickname':
        changes.mailNickname = text(property, value, 64);
        if (!aliasPattern.test(changes.mailNickname)) throw invalidValue(property);
        break;
      case 'givenName':
      case 'surname':
      case 'jobTitle':
        changes[property] = value === null ? null : text(property, value, property === 'jobTitle' ? 128 : 64);
        break;
      case 'usageLocation':
        if (value !== null && !(typeof value === 'string' && /^[A-Z]{2}$/.test(value))) throw invalidValue(property);
        changes.usageLocation = value as string | null;
        break;
      case 'userPrincipalName':
        changes.userPrincipalName = principalName(tenant, value, existing);
        break;
      case 'onPremisesImmutableId':
        changes.onPremisesImmutableId = immutableId(tenant, value, existing);
        break;
      case 'passwordProfile':
        changes.password = password(value);
        break;
      default:
        throw badRequest(`Property '${property}' is read-only or does not exist on type 'microsoft.graph.user'.`);
    }
  }
  const finalPrincipalName = changes.userPrincipalName ?? existing?.userPrincipalName ?? '';
  const finalImmutableId =
    changes.onPremisesImmutableId !== undefined ? changes.onPremisesImmutableId : existing?.onPremisesImmutableId ?? null;
  if (isFederated(tenant, finalPrincipalName) && !finalImmutableId) {
    throw badRequest(`Property onPremisesImmutableId is required for a user in the federated domain of '${finalPrincipalName}'.`);
  }
  if (
    existing &&
    changes.onPremisesImmutableId !== undefined &&
    changes.onPremisesImmutableId !== existing.onPremisesImmutableId &&
    isFederated(tenant, existing.userPrincipalName)
  ) {
    throw badRequest('The onPremisesImmutableId of a user in a federated domain cannot be changed.');
  }
  return changes;
}

function invalidValue(property: string) {
  return badRequest(`Invalid value specified for property '${property}' of resource 'User'.`);
}

function text(property: string, value: unknown, maximumLength: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > maximumLength) throw invalidValue(property);
  return value;
}

function isFederated(tenant: Tenant, userPrincipalName: string): boolean {
  const domain = tenant.domains.get(userPrincipalName.split('@')[1]?.toLowerCase() ?? '');
  return domain?.authenticationType === 'Federated';
}

function principalName(tenant: Tenant, value: unknown, existing: User | undefined): string {
  if (typeof value !== 'string') throw invalidValue('userPrincipalName');
  const [alias, domainName, extra] = value.split('@');
  if (!alias || !domainName || extra !== undefined || !aliasPattern.test(alias) || alias.length > 64) {
    throw invalidValue('userPrincipalName');
  }
  const domain = tenant.domains.get(domainName.toLowerCase());
  if (!domain?.isVerified) {
    throw badRequest(`The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.`);
  }
  const holder = findUserByPrincipalName(tenant, value);
  if (holder && holder !== existing) throw objectConflict('userPrincipalName');
  return value;
}

function immutableId(tenant: Tenant, value: unknown, existing: User | undefined): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value === '' || value.length > 64 || /[$_\s]/.test(value)) {
    throw invalidValue('onPremisesImmutableId');
  }
  const holder = tenant.users.byImmutableId(value);
  if (holder && holder !== existing) throw objectConflict('onPremisesImmutableId');
  return value;
}

/** Entra's default policy: 8–256 characters with three of upper case, lower case, digits, symbols. */
function password(value: unknown): string {
  const profile = value as Record<string, unknown> | null;
  const candidate = profile?.password;
  if (typeof candidate !== 'string') throw invalidValue('passwordProfile');
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(candidate)).length;
  if (candidate.length < 8 || candidate.length > 256 || classes < 3) {
    throw badRequest('The specified password does not comply with password complexity requirements. Please provide a different password.');
  }
  return candidate;
}
