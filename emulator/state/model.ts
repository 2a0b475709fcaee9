import type { UserDirectory } from './user-directory.ts';

/**
 * The emulator's in-memory directory. Property names follow Microsoft Graph, so Graph handlers can
 * return records without renaming and the inspect API shows what Graph would show.
 */

export type AuthenticationType = 'Managed' | 'Federated';
export type FederationProtocol = 'wsFed' | 'saml';
export type FederatedIdpMfaBehavior =
  | 'acceptIfMfaDoneByFederatedIdp'
  | 'enforceMfaByFederatedIdp'
  | 'rejectMfaByFederatedIdp';
export type PromptLoginBehavior = 'translateToFreshPasswordAuthentication' | 'nativeSupport' | 'disabled';

export interface AppRegistration {
  readonly clientId: string;
  readonly clientSecret: string;
  /** When the secret stops working (ISO time; absent: never). Past it, Entra answers AADSTS7000222. */
  clientSecretExpiresAt?: string;
  readonly displayName: string;
  /** Object id of the app's service principal in the tenant (the token's `oid`). */
  readonly servicePrincipalId: string;
  /** Granted application permissions, e.g. `User.ReadWrite.All` (the token's `roles`). */
  readonly roles: readonly string[];
  /** Registered reply URLs of a web app, compared exactly by the authorize endpoint (AADSTS50011). */
  readonly redirectUris: readonly string[];
}

export interface FederationConfiguration {
  id: string;
  displayName: string | null;
  issuerUri: string;
  passiveSignInUri: string;
  signOutUri: string | null;
  activeSignInUri: string | null;
  metadataExchangeUri: string | null;
  preferredAuthenticationProtocol: FederationProtocol;
  signingCertificate: string;
  nextSigningCertificate: string | null;
  federatedIdpMfaBehavior: FederatedIdpMfaBehavior | null;
  promptLoginBehavior: PromptLoginBehavior | null;
  isSignedAuthenticationRequestRequired: boolean;
  passwordResetUri: string | null;
}

export interface Domain {
  id: string;
  authenticationType: AuthenticationType;
  isVerified: boolean;
  isDefault: boolean;
  isInitial: boolean;
  isRoot: boolean;
  isAdminManaged: boolean;
  supportedServices: string[];
  passwordNotificationWindowInDays: number;
  passwordValidityPeriodInDays: number;
  federationConfiguration: FederationConfiguration | undefined;
}

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mailNickname: string;
  accountEnabled: boolean;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  usageLocation: string | null;
  onPremisesImmutableId: string | null;
  assignedLicenses: AssignedLicense[];
  createdDateTime: string;
  userType: string;
}

/**
 * An activated directory (administrator) role. Graph shows only activated roles under /directoryRoles;
 * Global Administrator is activated in every tenant, others when their first member is assigned.
 */
export interface DirectoryRole {
  readonly id: string;
  readonly roleTemplateId: string;
  readonly displayName: string;
  readonly description: string;
  /** Object ids of the users holding the role. */
  readonly memberIds: Set<string>;
}

/** A security group (members are user object ids; nesting is not modelled). */
export interface Group {
  readonly id: string;
  displayName: string;
  readonly memberIds: Set<string>;
}

export interface ServicePlan {
  servicePlanId: string;
  servicePlanName: string;
}

export interface SubscribedSku {
  skuId: string;
  skuPartNumber: string;
  enabledUnits: number;
  capabilityStatus: 'Enabled' | 'LockedOut' | 'Suspended' | 'Warning';
  servicePlans: ServicePlan[];
}

/**
 * Per-tenant throttling, counted in Graph's "resource units" over fixed windows (see graph/throttle.ts).
 * Microsoft's real limits depend on tenant size; the defaults are the small-tenant figures.
 */
export interface ThrottleLimits {
  resourceUnitsPerWindow: number;
  windowSeconds: number;
  writesPerWindow: number;
  writeWindowSeconds: number;
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  displayName: string;
  readonly apps: AppRegistration[];
  readonly domains: Map<string, Domain>;
  /** Users by object id, indexed by UPN and immutable ID. */
  readonly users: UserDirectory;
  /** Cloud passwords by user object id, kept apart so no Graph response can leak them. */
  readonly passwords: Map<string, string>;
  readonly skus: Map<string, SubscribedSku>;
  /** Activated directory roles by roleTemplateId. */
  readonly directoryRoles: Map<string, DirectoryRole>;
  /** Security groups by object id. */
  readonly groups: Map<string, Group>;
  throttle: ThrottleLimits;
}

export interface SignInRecord {
  readonly id: string;
  readonly time: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly userPrincipalName: string;
  readonly domain: string;
  readonly protocol: FederationProtocol | 'password';
  readonly issuer: string | null;
  readonly mfaSatisfiedByFederatedIdp: boolean;
}

export interface RequestLogEntry {
  readonly time: string;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Set for requests inside a `$batch`, which are logged one by one. */
  readonly batchId?: string;
}
