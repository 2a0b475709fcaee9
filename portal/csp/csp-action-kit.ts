import type { Context } from 'koa';
import { findOrganizationById, findOrganizationBySlug, listOrganizations } from '../../core/db/organizations.ts';
import type { Organization } from '../../core/db/schema.ts';
import { LanyardError } from '../../core/errors.ts';
import { readFormBody } from '../../core/http/form-body.ts';
import { findCustomerByOrganization } from '../../csp/data/customers.ts';
import type { CustomerDeps } from '../../csp/customers/customer-deps.ts';
import { organizationTarget } from '../admins.ts';
import type { RouteKit } from '../domain-routes.ts';
import { can, type Admin } from '../policy.ts';
import type { PortalDeps } from '../session/deps.ts';
import { assertPortalCsrf, type AdminRequest } from '../session/portal-session.ts';

/** What the CSP services take, on the portal's clock (the same services the `lanyard csp` commands call). */
export function cspServiceDeps(deps: PortalDeps): CustomerDeps & { readonly config: PortalDeps['context']['config'] } {
  const { db, secretBox, config } = deps.context;
  return { db, secretBox, clock: deps.clock, config };
}

/** A CSP action's post (page or JSON twin): the session, its CSRF token checked, the form. */
export async function cspPost(ctx: Context, deps: PortalDeps, kit: RouteKit): Promise<{ request: AdminRequest; form: Map<string, string> }> {
  const request = await kit.postSession(ctx, deps);
  const form = await readFormBody(ctx, deps.context.config.maxBodyBytes);
  assertPortalCsrf(request, form.get('csrf'));
  return { request, form };
}

/** A form field, trimmed; undefined when absent or empty (an optional CLI option not given). */
export function optional(form: Map<string, string>, name: string): string | undefined {
  const value = form.get(name)?.trim();
  return value ? value : undefined;
}

/**
 * Linking a customer to an organization hands that organization to the partner's admins (and the
 * reseller's): partner-admin and reseller grants reach the organizations of their customers. So an
 * admin may link only an organization it already administers in full (`organization.mfa-policy`,
 * which resellers lack) — the operator any; otherwise any partner-admin could take over any
 * organization by linking it. Unknown and out-of-scope organizations are refused alike.
 */
export async function requireLinkableOrganization(deps: PortalDeps, admin: Admin, slug: string): Promise<Organization> {
  const { db } = deps.context;
  const organization = await findOrganizationBySlug(db, slug.trim().toLowerCase());
  if (!organization || !can(admin, 'organization.mfa-policy', await organizationTarget(db, organization))) {
    throw new LanyardError('ADMIN_FORBIDDEN', 'Your admin role does not allow linking this organization.', { action: 'csp.customers.add' });
  }
  return organization;
}

/** The organizations `admin` could link a customer to: administered in full, and linked to no customer yet. */
export async function linkableOrganizations(deps: PortalDeps, admin: Admin): Promise<Organization[]> {
  const { db } = deps.context;
  const found: Organization[] = [];
  for (const organization of await listOrganizations(db)) {
    if (!can(admin, 'organization.mfa-policy', await organizationTarget(db, organization))) continue;
    if (!(await findCustomerByOrganization(db, organization.id))) found.push(organization);
  }
  return found;
}

export async function organizationSlugOf(deps: PortalDeps, organizationId: string | null): Promise<string | null> {
  return organizationId ? ((await findOrganizationById(deps.context.db, organizationId))?.slug ?? null) : null;
}
