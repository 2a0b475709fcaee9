import type { Db } from '../core/db/database.ts';
import { recordAuditEvent } from '../core/db/audit-events.ts';
import { findOrganizationById, findOrganizationBySlug, listOrganizations } from '../core/db/organizations.ts';
import type { Organization, User } from '../core/db/schema.ts';
import { findUserByUpn } from '../core/db/users.ts';
import { LanyardError } from '../core/errors.ts';
import { normalizeUpn } from '../core/upn.ts';
import { findPartnerCustomerByRef, listCustomers } from '../csp/data/customers.ts';
import { findPartnerById, findPartnerBySlug, listPartners } from '../csp/data/partners.ts';
import type { CspCustomer, CspPartner } from '../csp/data/tables.ts';
import { deleteGrant, grantsOfUser, insertGrant, listGrantsWithUpn } from './data/admin-roles.ts';
import { organizationIdsSoldBy, sellersOfOrganization } from './data/organization-sellers.ts';
import { adminRoles, type AdminRole, type AdminRoleGrant } from './data/tables.ts';
import { endPortalSessionsOfUser } from './data/portal-sessions.ts';
import { can, type Action, type Admin, type Target } from './policy.ts';

export interface GrantInput {
  readonly upn: string;
  readonly role: string;
  readonly organization?: string | undefined;
  readonly partner?: string | undefined;
  readonly reseller?: string | undefined;
}

/** What a grant says, by names people know (for the CLI, the admins page and audit details). */
export interface GrantView {
  readonly upn: string;
  readonly role: AdminRole;
  readonly organization: string | null;
  readonly partner: string | null;
  readonly reseller: string | null;
  readonly grantedBy: string;
  readonly grantedAt: string;
}

const installation: Target = { kind: 'installation' };

/** Refuses unless `admin` may take `action` on `target`: the one check every caller makes. */
export function requireCan(admin: Admin, action: Action, target: Target): void {
  if (!can(admin, action, target)) {
    throw new LanyardError('ADMIN_FORBIDDEN', 'Your admin role does not allow this.', { action });
  }
}

/** The admin a Lanyard user is (their grants); undefined when they hold no role. */
export async function loadAdmin(db: Db, user: Pick<User, 'id' | 'upn'>): Promise<Admin | undefined> {
  const grants = await grantsOfUser(db, user.id);
  return grants.length ? { userId: user.id, actor: `user:${user.upn}`, grants } : undefined;
}

/** An organization as a target of `can`: with the CSP partners and resellers that sell to it. */
export async function organizationTarget(db: Db, organization: Organization): Promise<Target & { kind: 'organization' }> {
  return { kind: 'organization', organizationId: organization.id, sellers: await sellersOfOrganization(db, organization.id) };
}

/**
 * The organization named in a URL or command, when `admin` may take `action` on it. One that does
 * not exist and one outside the admin's scope are refused alike (ADMIN_FORBIDDEN), so tampering
 * with a URL tells nothing about other organizations.
 */
export async function requireOrganizationFor(db: Db, admin: Admin, action: Action, slug: string): Promise<Organization> {
  const organization = await findOrganizationBySlug(db, slug);
  if (!organization || !can(admin, action, await organizationTarget(db, organization))) {
    throw new LanyardError('ADMIN_FORBIDDEN', 'Your admin role does not allow this organization.', { action });
  }
  return organization;
}

/** The organizations `admin` may view, by name. */
export async function reachableOrganizations(db: Db, admin: Admin): Promise<Organization[]> {
  if (can(admin, 'installation.view', installation)) return listOrganizations(db);
  const ids = new Set<string>();
  for (const grant of admin.grants) {
    if (grant.role === 'org-admin' && grant.organizationId) ids.add(grant.organizationId);
    if ((grant.role === 'partner-admin' || grant.role === 'reseller') && grant.partnerId) {
      for (const id of await organizationIdsSoldBy(db, grant.partnerId, grant.role === 'reseller' ? grant.resellerId : null)) ids.add(id);
    }
  }
  const found: Organization[] = [];
  for (const id of ids) {
    const organization = await findOrganizationById(db, id);
    // Each is checked by the rule itself, so this list can never show more than the pages allow.
    if (organization && can(admin, 'organization.view', await organizationTarget(db, organization))) found.push(organization);
  }
  return found.sort((a, b) => a.slug.localeCompare(b.slug));
}

/**
 * Grants a role (idempotent: the same grant again changes nothing). The scope must fit the role:
 * operator none, org-admin an organization, partner-admin a CSP partner, reseller a partner and one
 * of its reseller ids. Audited as `admin.grant`.
 */
export async function grantRole(db: Db, by: Admin, input: GrantInput, now: Date): Promise<{ grant: GrantView; added: boolean }> {
  requireCan(by, 'admins.manage', installation);
  const user = await requireUserByUpn(db, input.upn);
  const scope = await resolveScope(db, input);
  const added = await insertGrant(db, { userId: user.id, ...scope, grantedBy: by.actor }, now);
  const grant = await viewOf(db, user.upn, { ...scope, grantedBy: by.actor, grantedAt: now.toISOString() });
  await recordAuditEvent(db, { actor: by.actor, action: 'admin.grant', target: user.upn, outcome: 'success', details: { role: grant.role, organization: grant.organization, partner: grant.partner, reseller: grant.reseller, added } }, now);
  return { grant, added };
}

/** Removes a grant and ends the user's portal sessions (they sign in again with what is left). */
export async function revokeRole(db: Db, by: Admin, input: GrantInput, now: Date): Promise<{ grant: GrantView; endedSessions: number }> {
  requireCan(by, 'admins.manage', installation);
  const user = await requireUserByUpn(db, input.upn);
  const scope = await resolveScope(db, input);
  if (!(await deleteGrant(db, user.id, scope.role, scope.scopeKey))) {
    throw new LanyardError('ADMIN_GRANT_NOT_FOUND', `${user.upn} does not hold that role.`);
  }
  const endedSessions = await endPortalSessionsOfUser(db, user.id, now);
  const grant = await viewOf(db, user.upn, { ...scope, grantedBy: by.actor, grantedAt: now.toISOString() });
  await recordAuditEvent(db, { actor: by.actor, action: 'admin.revoke', target: user.upn, outcome: 'success', details: { role: grant.role, organization: grant.organization, partner: grant.partner, reseller: grant.reseller, endedSessions } }, now);
  return { grant, endedSessions };
}

export async function listAdmins(db: Db, by: Admin): Promise<GrantView[]> {
  requireCan(by, 'admins.manage', installation);
  const grants = await listGrantsWithUpn(db);
  return Promise.all(grants.map((grant) => viewOf(db, grant.upn, grant)));
}

async function requireUserByUpn(db: Db, upnInput: string): Promise<User> {
  const user = await findUserByUpn(db, normalizeUpn(upnInput).upn);
  if (!user) throw new LanyardError('USER_NOT_FOUND', `no user ${upnInput}: add the account first (lanyard user add)`);
  return user;
}

type Scope = Pick<AdminRoleGrant, 'role' | 'organizationId' | 'partnerId' | 'resellerId' | 'scopeKey'>;

async function resolveScope(db: Db, input: GrantInput): Promise<Scope> {
  const role = input.role as AdminRole;
  if (!adminRoles.includes(role)) throw new LanyardError('ADMIN_ROLE_INVALID', `role must be one of ${adminRoles.join(', ')}`);
  const wants = { organization: role === 'org-admin', partner: role === 'partner-admin' || role === 'reseller', reseller: role === 'reseller' };
  for (const [name, wanted] of Object.entries(wants)) {
    const given = input[name as keyof typeof wants] !== undefined;
    if (given !== wanted) {
      throw new LanyardError('ADMIN_SCOPE_INVALID', `${role} ${wanted ? 'needs' : 'takes no'} --${name === 'organization' ? 'org' : name}: operator (none), org-admin --org <slug>, partner-admin --partner <slug>, reseller --partner <slug> --reseller <id>`);
    }
  }
  if (role === 'operator') return { role, organizationId: null, partnerId: null, resellerId: null, scopeKey: 'all' };
  if (role === 'org-admin') {
    const organization = await findOrganizationBySlug(db, input.organization!.trim().toLowerCase());
    if (!organization) throw new LanyardError('ORG_NOT_FOUND', `no organization ${input.organization}`);
    return { role, organizationId: organization.id, partnerId: null, resellerId: null, scopeKey: `org:${organization.id}` };
  }
  const partner = await findPartnerBySlug(db, input.partner!.trim().toLowerCase());
  if (!partner) throw new LanyardError('CSP_PARTNER_NOT_FOUND', `no CSP partner ${input.partner}`);
  if (role === 'partner-admin') return { role, organizationId: null, partnerId: partner.id, resellerId: null, scopeKey: `partner:${partner.id}` };
  const resellerId = input.reseller!.trim().toLowerCase();
  const resellers = (JSON.parse(partner.resellerIds) as string[]).map((id) => id.toLowerCase());
  if (!resellers.includes(resellerId)) {
    throw new LanyardError('ADMIN_SCOPE_INVALID', `${resellerId} is not a reseller of ${partner.slug} (its resellers: ${resellers.join(', ') || 'none'})`);
  }
  return { role, organizationId: null, partnerId: partner.id, resellerId, scopeKey: `reseller:${partner.id}:${resellerId}` };
}

async function viewOf(db: Db, upn: string, grant: Omit<Scope, 'scopeKey'> & Pick<AdminRoleGrant, 'grantedBy' | 'grantedAt'>): Promise<GrantView> {
  return {
    upn,
    role: grant.role,
    organization: grant.organizationId ? ((await findOrganizationById(db, grant.organizationId))?.slug ?? null) : null,
    partner: grant.partnerId ? ((await findPartnerById(db, grant.partnerId))?.slug ?? null) : null,
    reseller: grant.resellerId,
    grantedBy: grant.grantedBy,
    grantedAt: grant.grantedAt,
  };
}

/** A CSP customer as a target of `can`: its partner and the reseller it is sold through. */
export const customerTarget = (customer: Pick<CspCustomer, 'partnerId' | 'resellerId'>): Target => ({ kind: 'customer', partnerId: customer.partnerId, resellerId: customer.resellerId });
export const partnerTarget = (partner: Pick<CspPartner, 'id'>): Target => ({ kind: 'partner', partnerId: partner.id });

/**
 * The CSP partner named in a URL, when `admin` may take `action` on it. A partner that does not
 * exist and one outside the admin's scope are refused alike (ADMIN_FORBIDDEN).
 */
export async function requirePartnerFor(db: Db, admin: Admin, action: Action, slug: string): Promise<CspPartner> {
  const partner = await findPartnerBySlug(db, slug.toLowerCase());
  if (!partner || !can(admin, action, partnerTarget(partner))) {
    throw new LanyardError('ADMIN_FORBIDDEN', 'Your admin role does not allow this CSP partner.', { action });
  }
  return partner;
}

/**
 * The partner's customer named in a URL (by tenant id or `*.onmicrosoft.com` domain), when `admin` may take
 * `action` on it. Unknown, another partner's and another reseller's customers are refused alike, so
 * tampering with a URL tells nothing about other customers.
 */
export async function requireCustomerFor(db: Db, admin: Admin, action: Action, partnerSlug: string, ref: string): Promise<{ partner: CspPartner; customer: CspCustomer }> {
  const partner = await findPartnerBySlug(db, partnerSlug.toLowerCase());
  const customer = partner ? await findPartnerCustomerByRef(db, partner.id, ref) : undefined;
  if (!partner || !customer || !can(admin, action, customerTarget(customer))) {
    throw new LanyardError('ADMIN_FORBIDDEN', 'Your admin role does not allow this customer.', { action });
  }
  return { partner, customer };
}

/** The CSP partners whose page `admin` may open. */
export async function reachablePartners(db: Db, admin: Admin): Promise<CspPartner[]> {
  const partners = await listPartners(db);
  return partners.filter((partner) => can(admin, 'csp.partner.view', partnerTarget(partner)));
}

/** The partner's customers `admin` may open: all of them for a partner-admin, a reseller's own for a reseller. */
export async function reachableCustomers(db: Db, admin: Admin, partner: CspPartner): Promise<CspCustomer[]> {
  const customers = await listCustomers(db, partner.id);
  return customers.filter((customer) => can(admin, 'csp.customer.view', customerTarget(customer)));
}
