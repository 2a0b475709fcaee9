import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import type { Db } from '../../core/db/database.ts';
import type { Domain, User } from '../../core/db/schema.ts';
import { findDomainByName } from '../../core/db/domains.ts';
import { listUsers } from '../../core/db/users.ts';
import { graphFailure } from '../tenant/graph-client.ts';
import { listTenantDomains, type TenantDomain } from '../tenant/tenant-connection.ts';
import type { InternalDomainFederation } from './tenant-federation.ts';

/** One pre-flight finding: what was checked, whether it passed, and what to do when it did not. */
export interface PreflightCheck {
  readonly id: 'domain-in-tenant' | 'domain-verified' | 'root-domain' | 'subdomain-issuers' | 'not-initial' | 'not-default' | 'not-federated-elsewhere' | 'cloud-global-admin' | 'immutable-ids';
  readonly ok: boolean;
  readonly message: string;
  readonly fix?: string;
  /** immutable-ids: the tenant users that would fail to sign in (AADSTS51004), each with its fix. */
  readonly users?: readonly UnmatchedTenantUser[];
}

export interface UnmatchedTenantUser {
  readonly userPrincipalName: string;
  readonly onPremisesImmutableId: string | null;
  readonly problem: 'immutable-id-missing' | 'no-lanyard-user';
  readonly fix: string;
}

/** Entra's built-in role template ids are the same in every tenant. */
export const globalAdministratorTemplateId = '62e90394-69f5-4237-9190-012177145e10';

/**
 * The checks Microsoft and experience ask for before a domain is federated (federation reference 4.4):
 * the domain is in the tenant, verified, not the initial onmicrosoft.com domain, not the default, not
 * federated to another IdP; a Global Administrator keeps an account in a domain that stays managed,
 * such as onmicrosoft.com (break-glass access when federation fails); and every tenant user of the
 * domain, and of the subdomains that follow it, carries an onPremisesImmutableId that a Lanyard user
 * of the organization has, since Entra finds federated users by that alone.
 *
 * @example
 *   const checks = await runFederationPreflight({ db, client, domain, tenantDomain, existing });
 */
export async function runFederationPreflight(input: {
  db: Db;
  client: Client;
  domain: Domain;
  tenantDomain: TenantDomain | undefined;
  existing: InternalDomainFederation | undefined;
}): Promise<PreflightCheck[]> {
  const { domain, tenantDomain } = input;
  if (!tenantDomain) {
    return [{
      id: 'domain-in-tenant',
      ok: false,
      message: `${domain.name} is not a domain of the connected tenant`,
      fix: 'add and verify the domain in the Microsoft 365 admin center (Settings → Domains), or connect the right tenant with `lanyard tenant connect`',
    }];
  }
  const checks: PreflightCheck[] = [
    { id: 'domain-in-tenant', ok: true, message: `${domain.name} is a domain of the tenant` },
    tenantDomain.isVerified
      ? { id: 'domain-verified', ok: true, message: 'the domain is verified' }
      : { id: 'domain-verified', ok: false, message: 'the domain is not verified', fix: 'add the DNS TXT record Microsoft shows for the domain and verify it' },
    tenantDomain.isVerified && !tenantDomain.isRoot
      ? {
          id: 'root-domain',
          ok: false,
          message: `${domain.name} is a subdomain: it follows its root domain's sign-in settings and cannot be federated on its own`,
          fix: `federate the root domain (its subdomains follow it, using its issuer), or make ${domain.name} a root domain first (POST /domains/${domain.name}/promote)`,
        }
      : { id: 'root-domain', ok: true, message: 'the domain is a root domain' },
    tenantDomain.isInitial || domain.name.endsWith('.onmicrosoft.com')
      ? { id: 'not-initial', ok: false, message: 'onmicrosoft.com domains cannot be federated', fix: 'federate a custom domain instead' }
      : { id: 'not-initial', ok: true, message: 'the domain is not an onmicrosoft.com domain' },
    tenantDomain.isDefault
      ? { id: 'not-default', ok: false, message: 'the domain is the tenant\'s default domain, which Microsoft does not let you federate', fix: 'make another domain (e.g. the onmicrosoft.com one) the default: Microsoft 365 admin center → Settings → Domains → Set as default' }
      : { id: 'not-default', ok: true, message: 'the domain is not the default domain' },
    input.existing && input.existing.issuerUri !== domain.issuerUri
      ? { id: 'not-federated-elsewhere', ok: false, message: `the domain is federated to another identity provider (issuer ${input.existing.issuerUri})`, fix: 'remove that federation first (in that IdP, or PATCH /domains/{domain} authenticationType=Managed)' }
      : { id: 'not-federated-elsewhere', ok: true, message: input.existing ? 'the domain is already federated to Lanyard (it will be updated)' : 'the domain is not federated yet' },
  ];
  // Federating a root domain federates the subdomains that follow it: their users sign in here too,
  // with the root's issuer (federation reference 4.4).
  const tenantDomains = await listTenantDomains(input.client);
  const subdomains = followingSubdomains(tenantDomains, domain.name);
  const staysManaged = (name: string) => {
    const tenantDomainOfName = tenantDomains.find((candidate) => candidate.id.toLowerCase() === name);
    return tenantDomainOfName?.authenticationType === 'Managed' && name !== domain.name && !subdomains.includes(name);
  };
  checks.push(
    await checkCloudGlobalAdmin(input.client, staysManaged),
    await checkSubdomainIssuers(input.db, domain, subdomains),
    await checkImmutableIds(input.db, input.client, domain, subdomains),
  );
  return checks;
}

/**
 * Someone must still be able to sign in and fix things if federation breaks: a Global Administrator
 * whose account is in a domain that stays managed after this change (the onmicrosoft.com domain is
 * always managed; another managed custom domain serves as well).
 */
async function checkCloudGlobalAdmin(client: Client, staysManaged: (domainName: string) => boolean): Promise<PreflightCheck> {
  let members: { userPrincipalName?: string }[];
  try {
    const roles = (await client.api('/directoryRoles').get()) as { value: { id: string; roleTemplateId: string }[] };
    const role = roles.value.find((candidate) => candidate.roleTemplateId === globalAdministratorTemplateId);
    members = role ? ((await client.api(`/directoryRoles/${role.id}/members`).get()) as { value: { userPrincipalName?: string }[] }).value : [];
  } catch (error) {
    if (error instanceof GraphError && error.statusCode === 403) {
      return {
        id: 'cloud-global-admin',
        ok: false,
        message: 'could not read the Global Administrators: the app lacks permission',
        fix: 'grant the app registration the application permission RoleManagement.Read.Directory (with admin consent)',
      };
    }
    return graphFailure(client, 'reading the Global Administrators')(error);
  }
  const cloudAdmins = members.map((member) => member.userPrincipalName ?? '').filter((upn) => staysManaged(upn.split('@')[1]?.toLowerCase() ?? ''));
  return cloudAdmins.length > 0
    ? { id: 'cloud-global-admin', ok: true, message: `a Global Administrator keeps a cloud sign-in in a managed domain (${cloudAdmins.join(', ')})` }
    : {
        id: 'cloud-global-admin',
        ok: false,
        message: 'no Global Administrator has an account in a domain that stays managed: if federation fails, nobody could sign in to fix it',
        fix: 'create a break-glass account admin@<tenant>.onmicrosoft.com with the Global Administrator role',
      };
}

/**
 * A following subdomain registered in Lanyard as a domain of its own would give its users its own
 * issuer, which Entra refuses: they must present the root's.
 */
async function checkSubdomainIssuers(db: Db, domain: Domain, subdomains: readonly string[]): Promise<PreflightCheck> {
  const registered: string[] = [];
  for (const name of subdomains) if (await findDomainByName(db, name)) registered.push(name);
  return registered.length === 0
    ? { id: 'subdomain-issuers', ok: true, message: subdomains.length ? `the subdomains ${subdomains.join(', ')} will use ${domain.name}'s issuer` : 'the domain has no subdomains in the tenant' }
    : {
        id: 'subdomain-issuers',
        ok: false,
        message: `${registered.join(', ')} follow ${domain.name} in the tenant but are registered in Lanyard as domains of their own, so their users would get an issuer Microsoft refuses`,
        fix: `promote them in the tenant (POST /domains/{subdomain}/promote) and federate each on its own, or use accounts of ${domain.name} for those users`,
      };
}

async function checkImmutableIds(db: Db, client: Client, domain: Domain, subdomains: readonly string[]): Promise<PreflightCheck> {
  const lanyardUsers = await usersByImmutableId(db, domain.organizationId);
  const domainNames = [domain.name, ...subdomains];
  const unmatched: UnmatchedTenantUser[] = [];
  let count = 0;
  for (const name of domainNames) {
    for await (const user of tenantUsersOf(client, name)) {
      count += 1;
      const problem = tenantUserProblem(user, lanyardUsers);
      if (problem) unmatched.push(problem);
    }
  }
  const scope = domainNames.length > 1 ? `${domain.name} and its subdomains ${domainNames.slice(1).join(', ')}` : domain.name;
  return unmatched.length === 0
    ? { id: 'immutable-ids', ok: true, message: `all ${count} tenant user(s) of ${scope} have an ImmutableID that matches a Lanyard user` }
    : { id: 'immutable-ids', ok: false, message: `${unmatched.length} of ${count} tenant user(s) of ${scope} could not sign in (AADSTS51004)`, users: unmatched };
}

/** The verified subdomains of `root` that follow it: no other root domain stands between them. */
function followingSubdomains(domains: readonly TenantDomain[], root: string): string[] {
  const byName = new Map(domains.map((candidate) => [candidate.id.toLowerCase(), candidate]));
  const follows = (name: string) => {
    const labels = name.split('.');
    for (let index = 1; index < labels.length - 1; index++) {
      const ancestor = labels.slice(index).join('.');
      if (ancestor === root) return true;
      if (byName.get(ancestor)?.isRoot) return false;
    }
    return false;
  };
  return [...byName.values()].filter((candidate) => candidate.isVerified && !candidate.isRoot && follows(candidate.id.toLowerCase())).map((candidate) => candidate.id.toLowerCase());
}

/** Every tenant user whose UPN is in `domainName`, page by page. */
async function* tenantUsersOf(client: Client, domainName: string): AsyncGenerator<UserPage['value'][number]> {
  let page = (await client
    .api('/users')
    .header('ConsistencyLevel', 'eventual')
    .query({ $count: 'true' })
    .filter(`endswith(userPrincipalName,'@${domainName}')`)
    .select(['id', 'userPrincipalName', 'onPremisesImmutableId'])
    .top(999)
    .get()
    .catch(graphFailure(client, `listing the tenant users of ${domainName}`))) as UserPage;
  for (;;) {
    yield* page.value;
    const nextLink = page['@odata.nextLink'];
    if (!nextLink) return;
    page = (await client.api(nextLink).header('ConsistencyLevel', 'eventual').get().catch(graphFailure(client, 'listing tenant users'))) as UserPage;
  }
}

interface UserPage {
  value: { id: string; userPrincipalName: string; onPremisesImmutableId: string | null }[];
  '@odata.nextLink'?: string;
}

function tenantUserProblem(user: UserPage['value'][number], lanyardUsers: { byImmutableId: Map<string, User>; byUpn: Map<string, User> }): UnmatchedTenantUser | undefined {
  const immutableId = user.onPremisesImmutableId;
  if (immutableId && lanyardUsers.byImmutableId.has(immutableId)) return undefined;
  const sameName = lanyardUsers.byUpn.get(user.userPrincipalName.toLowerCase());
  const setInTenant = (value: string) => `set the tenant user's onPremisesImmutableId to Lanyard's "${value}" while the domain is managed (PATCH /users/${user.userPrincipalName} {"onPremisesImmutableId":"${value}"}, or \`lanyard users export\`)`;
  if (!immutableId) {
    return {
      userPrincipalName: user.userPrincipalName,
      onPremisesImmutableId: null,
      problem: 'immutable-id-missing',
      fix: sameName ? setInTenant(sameName.immutableId) : `add the user to Lanyard (\`lanyard user add ${user.userPrincipalName}\`), then set that immutable ID in the tenant`,
    };
  }
  return {
    userPrincipalName: user.userPrincipalName,
    onPremisesImmutableId: immutableId,
    problem: 'no-lanyard-user',
    fix: sameName
      ? `Lanyard's ${sameName.upn} has immutable ID "${sameName.immutableId}": ${setInTenant(sameName.immutableId)}`
      : `add the user to Lanyard with the tenant's value: \`lanyard user add ${user.userPrincipalName} --immutable-id '${immutableId}'\``,
  };
}

async function usersByImmutableId(db: Db, organizationId: string): Promise<{ byImmutableId: Map<string, User>; byUpn: Map<string, User> }> {
  const byImmutableId = new Map<string, User>();
  const byUpn = new Map<string, User>();
  let after: string | undefined;
  for (;;) {
    const page = await listUsers(db, organizationId, { ...(after ? { after } : {}), limit: 1000 });
    for (const user of page) {
      byImmutableId.set(user.immutableId, user);
      byUpn.set(user.upn, user);
    }
    if (page.length < 1000) return { byImmutableId, byUpn };
    after = page.at(-1)!.upn;
  }
}
