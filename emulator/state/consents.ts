/** The principal of a tenant-wide (admin) consent, as Graph's oAuth2PermissionGrant names it. */
export const allPrincipals = 'AllPrincipals';

/**
 * Delegated permission grants and the service principals they imply. A scope is kept in full form,
 * `{resource}/{permission}` (e.g. `https://api.partnercenter.microsoft.com/user_impersonation`).
 * An app has a service principal in its home tenant implicitly and in another tenant once consented there.
 */
export class Consents {
  /** tenant id → client ids with a service principal in that tenant (home tenants not listed). */
  readonly #servicePrincipals = new Map<string, Set<string>>();
  /** `tenant client principal` → scopes. */
  readonly #grants = new Map<string, Set<string>>();

  addServicePrincipal(tenantId: string, clientId: string): void {
    const clients = this.#servicePrincipals.get(tenantId) ?? new Set<string>();
    clients.add(clientId);
    this.#servicePrincipals.set(tenantId, clients);
  }

  hasServicePrincipal(tenantId: string, clientId: string): boolean {
    return this.#servicePrincipals.get(tenantId)?.has(clientId) ?? false;
  }

  /** Grants `scopes` to the app for one user, or for the whole tenant when `userId` is absent (admin consent). */
  grant(grant: { tenantId: string; clientId: string; userId?: string | undefined; scopes: readonly string[] }): void {
    this.addServicePrincipal(grant.tenantId, grant.clientId);
    const key = grantKey(grant.tenantId, grant.clientId, grant.userId ?? allPrincipals);
    const scopes = this.#grants.get(key) ?? new Set<string>();
    for (const scope of grant.scopes) scopes.add(scope);
    this.#grants.set(key, scopes);
  }

  /** Removes every grant of the app in the tenant (the user's and the tenant-wide one); the service principal stays. */
  revoke(tenantId: string, clientId: string): void {
    const prefix = `${tenantId} ${clientId} `;
    for (const key of [...this.#grants.keys()]) if (key.startsWith(prefix)) this.#grants.delete(key);
  }

  /** The scopes the user may use through the app in the tenant: their own consent plus the tenant-wide one. */
  consentedScopes(tenantId: string, clientId: string, userId: string): Set<string> {
    return new Set([
      ...(this.#grants.get(grantKey(tenantId, clientId, userId)) ?? []),
      ...(this.#grants.get(grantKey(tenantId, clientId, allPrincipals)) ?? []),
    ]);
  }

  list(): { tenantId: string; clientId: string; principal: string; scopes: string[] }[] {
    return [...this.#grants].map(([key, scopes]) => {
      const [tenantId = '', clientId = '', principal = ''] = key.split(' ');
      return { tenantId, clientId, principal, scopes: [...scopes] };
    });
  }

  clear(): void {
    this.#servicePrincipals.clear();
    this.#grants.clear();
  }
}

function grantKey(tenantId: string, clientId: string, principal: string): string {
  return `${tenantId} ${clientId} ${principal}`;
}
