import { randomUUID } from 'node:crypto';
import { PartnerCenterState } from '../partner-center/store.ts';
import { DelegatedAccess } from './delegated-access.ts';
import { KeyVaultSecrets } from './key-vault-secrets.ts';
import { newUser } from './new-user.ts';
import { activateDirectoryRole, assignDirectoryRole, globalAdministratorTemplateId } from './directory-roles.ts';
import type {
  AppRegistration,
  AuthenticationType,
  Domain,
  RequestLogEntry,
  SignInRecord,
  SubscribedSku,
  Tenant,
  ThrottleLimits,
  User,
} from './model.ts';
import { governingDomain, rootDomainAbove } from './subdomains.ts';
import { UserDirectory } from './user-directory.ts';

export const defaultThrottleLimits: ThrottleLimits = Object.freeze({
  resourceUnitsPerWindow: 3500,
  windowSeconds: 10,
  writesPerWindow: 3000,
  writeWindowSeconds: 150,
});

/** Keeps memory bounded when a long demo runs. */
const maximumLogEntries = 5000;

export interface TenantInput {
  readonly id?: string;
  /** `contoso` gives the initial domain `contoso.onmicrosoft.com`. */
  readonly name: string;
  readonly displayName?: string;
  readonly apps?: readonly {
    clientId?: string;
    clientSecret: string;
    displayName?: string;
    roles: readonly string[];
    redirectUris?: readonly string[];
  }[];
  readonly throttle?: Partial<ThrottleLimits>;
}

export interface DomainInput {
  readonly id: string;
  readonly isVerified?: boolean;
  readonly isDefault?: boolean;
  readonly authenticationType?: AuthenticationType;
}

export interface UserInput {
  readonly id?: string;
  readonly userPrincipalName: string;
  readonly displayName?: string;
  readonly mailNickname?: string;
  readonly accountEnabled?: boolean;
  readonly givenName?: string;
  readonly surname?: string;
  readonly usageLocation?: string;
  readonly onPremisesImmutableId?: string;
  readonly password?: string;
  /** Display names of built-in directory roles the user holds, e.g. `Global Administrator`. */
  readonly directoryRoles?: readonly string[];
  /** Interactive sign-in (authorize endpoint) policy; defaults in state/sign-in-policies.ts. */
  readonly mfaRegistered?: boolean;
  readonly conditionalAccessBlocked?: boolean;
}

export interface SkuInput {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly prepaidUnits: number;
  readonly servicePlans?: readonly { servicePlanId: string; servicePlanName: string }[];
}

export class EmulatorStateError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'conflict' | 'not-found' = 'invalid',
  ) {
    super(message);
    this.name = 'EmulatorStateError';
  }
}

/**
 * All emulator state, in memory. Seeding goes through these methods; Graph handlers mutate the
 * records they find here after applying Graph's own validation.
 */
export class EmulatorState {
  readonly tenants = new Map<string, Tenant>();
  readonly signIns: SignInRecord[] = [];
  readonly requestLog: RequestLogEntry[] = [];
  /** Partners, customers, catalog and subscriptions of the Partner Center part (emulator/partner-center/). */
  readonly partnerCenter = new PartnerCenterState();
  readonly delegatedAccess = new DelegatedAccess();
  readonly keyVaultSecrets = new KeyVaultSecrets();
  #clockOffsetMilliseconds = 0;

  /** The emulator's notion of now; the inspect API can move it forward to expire tokens and requests. */
  now(): number {
    return Date.now() + this.#clockOffsetMilliseconds;
  }

  advanceClock(seconds: number): void {
    this.#clockOffsetMilliseconds += seconds * 1000;
  }

  reset(): void {
    this.tenants.clear();
    this.signIns.length = 0;
    this.requestLog.length = 0;
    this.partnerCenter.clear();
    this.delegatedAccess.clear();
    this.keyVaultSecrets.clear();
    this.#clockOffsetMilliseconds = 0;
  }

  createTenant(input: TenantInput): Tenant {
    const id = input.id ?? randomUUID();
    if (this.tenants.has(id)) throw new EmulatorStateError(`tenant ${id} already exists`, 'conflict');
    const initialDomain = `${input.name}.onmicrosoft.com`.toLowerCase();
    if (this.findDomain(initialDomain)) throw new EmulatorStateError(`domain ${initialDomain} already exists`, 'conflict');
    const apps: AppRegistration[] = (input.apps ?? []).map((app) => ({
      clientId: app.clientId ?? randomUUID(),
      clientSecret: app.clientSecret,
      displayName: app.displayName ?? 'Lanyard',
      servicePrincipalId: randomUUID(),
      roles: [...app.roles],
      redirectUris: [...(app.redirectUris ?? [])],
    }));
    const tenant: Tenant = {
      id,
      name: input.name,
      displayName: input.displayName ?? input.name,
      apps,
      domains: new Map(),
      users: new UserDirectory(),
      passwords: new Map(),
      skus: new Map(),
      directoryRoles: new Map(),
      groups: new Map(),
      throttle: { ...defaultThrottleLimits, ...input.throttle },
    };
    activateDirectoryRole(tenant, globalAdministratorTemplateId);
    tenant.domains.set(initialDomain, newDomain(initialDomain, { isVerified: true, isDefault: true, isInitial: true }));
    this.tenants.set(id, tenant);
    return tenant;
  }

  addDomain(tenant: Tenant, input: DomainInput): Domain {
    const id = input.id.toLowerCase();
    if (this.findDomain(id)) throw new EmulatorStateError(`domain ${id} already exists`, 'conflict');
    const domain = newDomain(id, {
      isVerified: input.isVerified ?? true,
      isDefault: false,
      isInitial: false,
    });
    domain.authenticationType = input.authenticationType ?? 'Managed';
    // Under a verified root: verified with it, not a root, and following its authentication.
    const root = rootDomainAbove(tenant, id);
    if (root) Object.assign(domain, { isVerified: true, isRoot: false, authenticationType: root.authenticationType });
    tenant.domains.set(id, domain);
    if (input.isDefault) setDefaultDomain(tenant, domain);
    return domain;
  }

  addUser(tenant: Tenant, input: UserInput): User {
    const userPrincipalName = input.userPrincipalName;
    const domainName = userPrincipalName.split('@')[1]?.toLowerCase() ?? '';
    if (!tenant.domains.has(domainName)) {
      throw new EmulatorStateError(`${userPrincipalName}: domain is not a domain of tenant ${tenant.id}`);
    }
    if (findUserByPrincipalName(tenant, userPrincipalName)) {
      throw new EmulatorStateError(`${userPrincipalName} already exists`, 'conflict');
    }
    const alias = userPrincipalName.split('@')[0] ?? userPrincipalName;
    const user = newUser({
      id: input.id,
      userPrincipalName,
      displayName: input.displayName ?? alias,
      mailNickname: input.mailNickname ?? alias,
      accountEnabled: input.accountEnabled ?? true,
      givenName: input.givenName,
      surname: input.surname,
      usageLocation: input.usageLocation,
      onPremisesImmutableId: input.onPremisesImmutableId,
    }, this.now());

    tenant.users.set(user.id, user);
    if (input.password !== undefined) tenant.passwords.set(user.id, input.password);
    for (const role of input.directoryRoles ?? []) assignDirectoryRole(tenant, role, user.id);
    if (input.mfaRegistered !== undefined) this.delegatedAccess.signInPolicies.update(user.id, { mfaRegistered: input.mfaRegistered });
    if (input.conditionalAccessBlocked !== undefined) {
      this.delegatedAccess.signInPolicies.update(user.id, { conditionalAccessBlocked: input.conditionalAccessBlocked });
    }
    return user;
  }

  addSku(tenant: Tenant, input: SkuInput): SubscribedSku {
    const sku: SubscribedSku = {
      skuId: input.skuId,
      skuPartNumber: input.skuPartNumber,
      enabledUnits: input.prepaidUnits,
      capabilityStatus: 'Enabled',
      servicePlans: (input.servicePlans ?? []).map((plan) => ({ ...plan })),
    };
    tenant.skus.set(sku.skuId, sku);
    return sku;
  }

  /** A tenant by id, or by any of its domain names (Entra accepts both in authority URLs). */
  findTenant(idOrDomain: string): Tenant | undefined {
    return this.tenants.get(idOrDomain) ?? this.findDomain(idOrDomain)?.tenant;
  }

  findDomain(name: string): { tenant: Tenant; domain: Domain } | undefined {
    const key = name.toLowerCase();
    for (const tenant of this.tenants.values()) {
      const domain = tenant.domains.get(key);
      if (domain) return { tenant, domain };
    }
    return undefined;
  }

  /**
   * The domain a sign-in with this UPN suffix goes through: the domain itself, or for a subdomain
   * that follows its root, the root (whose federation configuration and issuer apply).
   */
  findSignInDomain(name: string): { tenant: Tenant; domain: Domain } | undefined {
    const found = this.findDomain(name);
    return found && { tenant: found.tenant, domain: governingDomain(found.tenant, found.domain) };
  }

  /** The federation realm whose issuerUri equals `issuer` exactly (Entra compares byte for byte). */
  findRealmByIssuer(issuer: string): { tenant: Tenant; domain: Domain } | undefined {
    for (const tenant of this.tenants.values()) {
      for (const domain of tenant.domains.values()) {
        if (domain.federationConfiguration?.issuerUri === issuer) return { tenant, domain };
      }
    }
    return undefined;
  }

  recordSignIn(record: Omit<SignInRecord, 'id' | 'time'>): SignInRecord {
    const signIn = { id: randomUUID(), time: new Date(this.now()).toISOString(), ...record };
    pushBounded(this.signIns, signIn);
    return signIn;
  }

  logRequest(entry: RequestLogEntry): void {
    pushBounded(this.requestLog, entry);
  }
}

export function findUserByPrincipalName(tenant: Tenant, userPrincipalName: string): User | undefined {
  return tenant.users.byPrincipalName(userPrincipalName);
}

/** Graph keeps exactly one default domain per tenant. */
export function setDefaultDomain(tenant: Tenant, domain: Domain): void {
  for (const other of tenant.domains.values()) other.isDefault = false;
  domain.isDefault = true;
}

function newDomain(id: string, flags: { isVerified: boolean; isDefault: boolean; isInitial: boolean }): Domain {
  return {
    id,
    authenticationType: 'Managed',
    isVerified: flags.isVerified,
    isDefault: flags.isDefault,
    isInitial: flags.isInitial,
    // Graph: true for a verified root domain, false for a subdomain or an unverified domain.
    isRoot: flags.isVerified,
    isAdminManaged: true,
    supportedServices: flags.isInitial ? ['Email', 'OfficeCommunicationsOnline'] : [],
    passwordNotificationWindowInDays: 14,
    passwordValidityPeriodInDays: 2147483647,
    federationConfiguration: undefined,
  };
}

function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > maximumLogEntries) list.splice(0, list.length - maximumLogEntries);
}

