import type { AuthenticationType, Domain, Tenant } from './model.ts';

/**
 * Subdomains as Entra treats them. A domain added under a verified root domain of the same tenant is
 * verified with it (reference B.1), is not a root (`isRoot: false`) and follows the root's
 * authentication: federating or unfederating contoso.com changes sales.contoso.com with it, and the
 * subdomain's users sign in through contoso.com's federation, whose issuer they must present
 * (reference §4.4). `POST /domains/{id}/promote` makes a subdomain a root of its own.
 */

/** The nearest verified root domain above `name` in the tenant (not `name` itself), if any. */
export function rootDomainAbove(tenant: Tenant, name: string): Domain | undefined {
  const labels = name.toLowerCase().split('.');
  for (let index = 1; index < labels.length - 1; index++) {
    const ancestor = tenant.domains.get(labels.slice(index).join('.'));
    if (ancestor?.isVerified && ancestor.isRoot) return ancestor;
  }
  return undefined;
}

/** The domain whose authentication settings govern `domain`: itself when it is a root, else its root. */
export function governingDomain(tenant: Tenant, domain: Domain): Domain {
  return isFollowingSubdomain(domain) ? (rootDomainAbove(tenant, domain.id) ?? domain) : domain;
}

/** Sets a root domain's authentication type, and that of every subdomain that follows it. */
export function setAuthenticationType(tenant: Tenant, root: Domain, type: AuthenticationType): void {
  root.authenticationType = type;
  for (const domain of tenant.domains.values()) {
    if (isFollowingSubdomain(domain) && rootDomainAbove(tenant, domain.id) === root) domain.authenticationType = type;
  }
}

/** A verified domain that follows a root's authentication and so cannot change its own. */
export function isFollowingSubdomain(domain: Domain): boolean {
  return domain.isVerified && !domain.isRoot;
}

export function followingSubdomainMessage(tenant: Tenant, domain: Domain): string {
  const root = rootDomainAbove(tenant, domain.id)?.id ?? 'its root domain';
  return `Domain ${domain.id} is a subdomain of ${root} and follows its authentication; promote it to a root domain first (POST /domains/${domain.id}/promote).`;
}
