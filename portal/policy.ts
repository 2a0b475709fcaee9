import type { AdminRole } from './data/tables.ts';

/**
 * The one rule of who may do what in the portal, the portal's JSON API and the `lanyard admin`
 * commands: every one of them asks `can(admin, action, target)` and nothing else decides.
 *
 * A grant gives a role over a scope: the operator over everything; an org-admin over one
 * organization; a partner-admin over the organizations of a CSP partner's customers; a reseller over
 * the organizations of that partner's customers sold through one reseller id.
 */
export interface AdminGrant {
  readonly role: AdminRole;
  readonly organizationId: string | null;
  readonly partnerId: string | null;
  readonly resellerId: string | null;
}

export interface Admin {
  /** The Lanyard user, or null for the server's shell (the CLI acts as the operator). */
  readonly userId: string | null;
  /** How audit events name this admin: 'user:<upn>' or 'cli'. */
  readonly actor: string;
  readonly grants: readonly AdminGrant[];
}

/**
 * What an action is done to: the installation as a whole, one organization, a CSP partner (its
 * connection, its customer list, its sync), or one CSP customer of a partner (sold directly, or
 * through one of the partner's resellers).
 */
export type Target =
  | { readonly kind: 'installation' }
  | { readonly kind: 'partner'; readonly partnerId: string }
  | { readonly kind: 'customer'; readonly partnerId: string; readonly resellerId: string | null }
  | {
      readonly kind: 'organization';
      readonly organizationId: string;
      /** The CSP customers this organization is (partner and reseller that sell to it). */
      readonly sellers: ReadonlyArray<{ readonly partnerId: string; readonly resellerId: string | null }>;
    };

export type Action = keyof typeof policy;

/**
 * Which roles may take each action, and on which kind of target. Least privilege: a role not
 * listed is refused; an organization-scoped role is also refused outside its scope (scopeCovers).
 */
const policy = {
  /** See the portal at all (its home page lists what the admin can reach). */
  'portal.enter': { on: 'installation', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  /** Every organization, the installation-wide audit log, the admin list. */
  'installation.view': { on: 'installation', roles: ['operator'] },
  'admins.manage': { on: 'installation', roles: ['operator'] },
  'organization.view': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  'users.view': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  /** Disable or enable an account. */
  'users.change': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  /** Remove the account's authenticator: dangerous (re-authentication required, see reauth.ts). */
  'users.reset-mfa': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** Add a local account (it gets an activation link) or edit its name. */
  'users.add': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  'users.edit': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  /** New password and authenticator through an activation link: dangerous (re-authentication required). */
  'users.reset-password': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** Delete an account: dangerous (re-authentication required). */
  'users.delete': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  'audit.view': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  /** Whether everyone must pass TOTP: dangerous (re-authentication required). */
  'organization.mfa-policy': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** The signing keys: the operator's, since every organization's federation trusts them. */
  'keys.view': { on: 'installation', roles: ['operator'] },
  /** One rollover step: dangerous (re-authentication required). */
  'keys.rotate': { on: 'installation', roles: ['operator'] },
  'agents.view': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  /** Register (key shown once) or revoke a directory agent. */
  'agents.manage': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** Let the next sync disable the accounts the deletion guard held back: dangerous (re-authentication required). */
  'agents.confirm-deletions': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  'provisioning.view': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  /** Start an import or export: a dry run, or the real run after a completed dry run. */
  'provisioning.run': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  'domains.view': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  'domains.add': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** Federate or unfederate a domain in the tenant: dangerous (re-authentication required). */
  'domains.federate': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** A CSP partner's page: its customers (each still checked as csp.customer.view), its connection's state. */
  'csp.partner.view': { on: 'partner', roles: ['operator', 'partner-admin', 'reseller'] },
  /** The partner's connection: consent (new refresh token), renew now, token storage, sync settings. */
  'csp.partner.manage': { on: 'partner', roles: ['operator', 'partner-admin'] },
  /** Create, import or link customers of the partner. */
  'csp.customers.add': { on: 'partner', roles: ['operator', 'partner-admin'] },
  /** Run the recurring import (customers, licences, users) now; see its error table. */
  'csp.sync.run': { on: 'partner', roles: ['operator', 'partner-admin'] },
  'csp.sync.view': { on: 'partner', roles: ['operator', 'partner-admin'] },
  'csp.customer.view': { on: 'customer', roles: ['operator', 'partner-admin', 'reseller'] },
  /** Order a subscription, or raise / lower its quantity. */
  'csp.subscriptions.order': { on: 'customer', roles: ['operator', 'partner-admin', 'reseller'] },
  'csp.subscriptions.change': { on: 'customer', roles: ['operator', 'partner-admin', 'reseller'] },
  /** Cancel a subscription (within its window, or at term end): dangerous (re-authentication required). */
  'csp.subscriptions.terminate': { on: 'customer', roles: ['operator', 'partner-admin'] },
  /** Add a domain to the customer's tenant, verify it, write its DNS records. */
  'csp.domains.manage': { on: 'customer', roles: ['operator', 'partner-admin', 'reseller'] },
  /** Federate a customer's verified domain to Lanyard: dangerous (re-authentication required). */
  'csp.domains.federate': { on: 'customer', roles: ['operator', 'partner-admin'] },
  /** Add and change users of the customer's tenant; assign and remove licences. */
  'csp.users.manage': { on: 'customer', roles: ['operator', 'partner-admin', 'reseller'] },
  /** Delete a user from the customer's tenant: dangerous (re-authentication required). */
  'csp.users.delete': { on: 'customer', roles: ['operator', 'partner-admin'] },
  /** The customer's own admin consent: link, invitation, validate, refresh now. */
  'csp.access.manage': { on: 'customer', roles: ['operator', 'partner-admin'] },
  /** The organization's default licences (and usage location) and the auto-provisioning switch. */
  'provisioning.settings': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** The deletion threshold, the guard against a run disabling many accounts: dangerous (re-authentication required). */
  'provisioning.threshold': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** Let a run disable more accounts than the threshold: dangerous (re-authentication required). */
  'provisioning.confirm-disables': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** How the organization reaches its Microsoft 365 tenant (never the secret), and "Test connection". */
  'tenant.view': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin', 'reseller'] },
  'tenant.test': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** Connect or change the app registration: it decides where federation writes (re-authentication required). */
  'tenant.connect': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** The organization's logo on its sign-in pages: upload or remove. */
  'organization.branding': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
  /** Let Lanyard's first write into a hosted DNS zone nobody owns yet claim it for this customer (csp/domains/hosted-zone-access.ts). */
  'csp.dns.claim-zone': { on: 'customer', roles: ['operator', 'partner-admin'] },
  /** The directory sync's deletion guard threshold: a higher one loosens the guard, so dangerous (re-authentication required). */
  'agents.threshold': { on: 'organization', roles: ['operator', 'org-admin', 'partner-admin'] },
} as const satisfies Record<string, { on: Target['kind']; roles: readonly AdminRole[] }>;

export const actions = Object.keys(policy) as Action[];

/** Actions that change something and need a fresh second factor (reauth.ts). */
export const dangerousActions: ReadonlySet<Action> = new Set<Action>(['users.reset-mfa', 'organization.mfa-policy', 'domains.federate', 'keys.rotate', 'agents.confirm-deletions', 'users.reset-password', 'users.delete', 'csp.subscriptions.terminate', 'csp.domains.federate', 'csp.users.delete', 'provisioning.threshold', 'provisioning.confirm-disables', 'tenant.connect', 'agents.threshold']);

export function can(admin: Admin, action: Action, target: Target): boolean {
  const rule = policy[action];
  if (rule.on !== target.kind) return false;
  return admin.grants.some((grant) => (rule.roles as readonly AdminRole[]).includes(grant.role) && scopeCovers(grant, target));
}

function scopeCovers(grant: AdminGrant, target: Target): boolean {
  if (grant.role === 'operator') return true;
  if (target.kind === 'installation') return true; // installation actions are listed for the operator only, except portal.enter
  if (target.kind === 'partner') {
    // A reseller sees its partner's page, which lists only the customers sold through it.
    return (grant.role === 'partner-admin' || grant.role === 'reseller') && grant.partnerId === target.partnerId;
  }
  const sellers = target.kind === 'customer' ? [target] : target.sellers;
  switch (grant.role) {
    case 'org-admin':
      return target.kind === 'organization' && grant.organizationId === target.organizationId;
    case 'partner-admin':
      return sellers.some((seller) => seller.partnerId === grant.partnerId);
    case 'reseller':
      // Reseller ids are GUIDs: grants keep them in lower case, Partner Center may not.
      return sellers.some((seller) => seller.partnerId === grant.partnerId && seller.resellerId !== null && seller.resellerId.toLowerCase() === grant.resellerId);
  }
}

/** The shell running `lanyard` is the server's operator: the CLI asks the same rule with this admin. */
export const shellOperator: Admin = { userId: null, actor: 'cli', grants: [{ role: 'operator', organizationId: null, partnerId: null, resellerId: null }] };
