import type { EmulatorContext } from '../context.ts';
import type { AppRegistration, Tenant, User } from '../state/model.ts';
import { AadstsError } from './aadsts.ts';
import { fullScope, type ResourceScopes } from './scopes.ts';

export interface DelegatedAccessRequest {
  /** The tenant the token is for: the user's own, or a customer tenant of the user's (partner) tenant. */
  readonly tenant: Tenant;
  readonly homeTenant: Tenant;
  readonly app: AppRegistration;
  readonly userId: string;
  readonly resource: ResourceScopes;
  /** The grant's `amr`: a Conditional Access policy requiring MFA refuses a grant without `mfa` (AADSTS50076). */
  readonly authenticationMethods: readonly string[];
}

/**
 * What Entra checks before issuing a user token in `tenant`, in this order: the user exists and is
 * enabled, may act in the tenant (their own, or a customer of their partner tenant: AADSTS50020),
 * Conditional Access (AADSTS53003 blocked; AADSTS50076 MFA required and the grant has none),
 * consent for every requested permission (AADSTS65001).
 * Returns the user and the granted permission names (the token's `scp`).
 */
export function checkDelegatedAccess(context: EmulatorContext, request: DelegatedAccessRequest): { user: User; permissions: string[] } {
  const { tenant, homeTenant, app, resource } = request;
  const { delegatedAccess } = context.state;
  const user = homeTenant.users.get(request.userId);
  if (!user) {
    throw new AadstsError(50034, 'invalid_grant', `The user account does not exist in the '${homeTenant.displayName}' directory.`);
  }
  if (!user.accountEnabled) throw new AadstsError(50057, 'invalid_grant', 'The user account is disabled.');
  if (tenant.id !== homeTenant.id && !delegatedAccess.relationships.has(homeTenant.id, tenant.id, context.state.now())) {
    throw new AadstsError(
      50020,
      'invalid_grant',
      `User account '${user.userPrincipalName}' from identity provider 'https://sts.windows.net/${homeTenant.id}/' does not exist in tenant '${tenant.displayName}' and cannot access the application '${app.clientId}'(${app.displayName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
    );
  }
  if (delegatedAccess.signInPolicies.get(user.id).conditionalAccessBlocked) {
    throw new AadstsError(53003, 'invalid_grant', 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.');
  }
  if (delegatedAccess.signInPolicies.get(user.id).conditionalAccessRequiresMfa && !request.authenticationMethods.includes('mfa')) {
    throw new AadstsError(
      50076,
      'invalid_grant',
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${request.resource.resource}'.`,
    );
  }
  const consented = delegatedAccess.consents.consentedScopes(tenant.id, app.clientId, user.id);
  const permissions = grantedPermissions(resource, consented);
  if (!permissions) {
    throw new AadstsError(
      65001,
      'invalid_grant',
      `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
    );
  }
  return { user, permissions };
}

/** `.default` means everything consented on the resource; named permissions must each be consented. */
function grantedPermissions(resource: ResourceScopes, consented: ReadonlySet<string>): string[] | undefined {
  const onResource = [...consented]
    .filter((scope) => scope.startsWith(`${resource.resource}/`))
    .map((scope) => scope.slice(resource.resource.length + 1));
  const named = resource.permissions.filter((permission) => permission !== '.default');
  if (named.some((permission) => !consented.has(fullScope(resource.resource, permission)))) return undefined;
  const granted = resource.permissions.includes('.default') ? onResource : named;
  return granted.length > 0 ? granted : undefined;
}
