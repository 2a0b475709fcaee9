import { AadstsError } from './aadsts.ts';

export const graphResource = 'https://graph.microsoft.com';
export const partnerCenterResource = 'https://api.partnercenter.microsoft.com';
export const keyVaultResource = 'https://vault.azure.net';

/** Resources whose service principal the emulator has in every tenant (Microsoft's first-party APIs it serves). */
const knownResources = new Set([graphResource, partnerCenterResource, keyVaultResource]);

/** OpenID Connect scopes: they ask for an id_token / refresh token, not for a resource. */
export const openIdScopes = new Set(['openid', 'profile', 'email', 'offline_access']);

export interface ResourceScopes {
  readonly resource: string;
  /** Permission names without the resource, e.g. `user_impersonation`, `User.Read`, `.default`. */
  readonly permissions: readonly string[];
}

/** Splits a space-separated scope parameter into its words. */
export function scopeWords(scope: string | undefined): string[] {
  return (scope ?? '').split(' ').filter((word) => word !== '');
}

/** `https://api.partnercenter.microsoft.com/user_impersonation` → resource + permission; a bare name is Graph's. */
export function splitScope(scope: string): { resource: string; permission: string } {
  const slash = scope.lastIndexOf('/');
  if (!scope.includes('://') || slash < 0) return { resource: graphResource, permission: scope };
  return { resource: scope.slice(0, slash), permission: scope.slice(slash + 1) };
}

/** The full form a consent is stored under. */
export function fullScope(resource: string, permission: string): string {
  return `${resource}/${permission}`;
}

/**
 * The resource a token is issued for: that of the first non-OpenID scope. Entra documents this for
 * code redemption ("the v2.0 endpoint will return a token for the resource specified in the first
 * scope"); the emulator applies it to refresh too. Only the first-party resources it serves exist.
 */
export function targetResource(words: readonly string[], tenantName: string): ResourceScopes | undefined {
  const resourceWords = words.filter((word) => !openIdScopes.has(word));
  const first = resourceWords[0];
  if (first === undefined) return undefined;
  const { resource } = splitScope(first);
  if (!knownResources.has(resource)) {
    throw new AadstsError(
      500011,
      'invalid_resource',
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  const permissions = resourceWords.map(splitScope).filter((scope) => scope.resource === resource).map((scope) => scope.permission);
  return { resource, permissions };
}
