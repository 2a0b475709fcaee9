import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Organization } from '../core/db/schema.ts';
import { LanyardError } from '../core/errors.ts';
import { readFormBody, readQuery } from '../core/http/form-body.ts';
import type { SafeHtml } from '../core/pages/html.ts';
import { createRouter } from '../core/router.ts';
import { setOrganizationMfaPolicy } from '../idp/accounts/organizations.ts';
import { listAdmins, organizationTarget, reachableOrganizations, requireCan, requireOrganizationFor } from './admins.ts';
import { renderPortalPage, type NavGroup } from './pages/layout.ts';
import { adminsBody, auditBody, homeBody, overviewBody, usersBody } from './pages/pages.ts';
import { portalCss, portalCssPath } from './pages/styles.ts';
import { registerDomainRoutes } from './domain-routes.ts';
import { registerKeyRoutes } from './key-routes.ts';
import { registerAgentRoutes } from './agent-routes.ts';
import { registerUserRoutes } from './user-routes.ts';
import { registerProvisioningRoutes } from './provisioning-routes.ts';
import { registerTenantRoutes } from './tenant-routes.ts';
import { registerBrandingRoutes } from './branding-routes.ts';
import { cspNav, isCspScope, registerCspRoutes, type CspPageScope } from './csp/csp-routes.ts';
import { can, type Action } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf, resumePortalSession, type AdminRequest } from './session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from './session/reauth.ts';
import { auditCsv, auditExportLimit, queryAudit, type AuditFilter, type AuditScope } from './views/audit.ts';
import { organizationOverview } from './views/organization-overview.ts';
import { changeUserStatus, requireUserOf, resetUserMfa, searchUsers } from './views/users.ts';

const installation = { kind: 'installation' } as const;

/**
 * The portal's pages and its JSON twins under /admin/api (same functions, same rule), each
 * behind the admin's session. Every page and every post asks `can` (through requireCan /
 * requireOrganizationFor) for its own action; every post carries the session's CSRF token.
 */
export function portalRouter(deps: PortalDeps): Router {
  const router = createRouter();
  const { db, config } = deps.context;

  router.get(portalCssPath, (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.body = portalCss;
  });

  router.get('/admin', async (ctx) => {
    const request = await pageSession(ctx, deps);
    if (!request) return;
    requireCan(request.admin, 'portal.enter', installation);
    page(ctx, request, 'Organizations', homeBody(await reachableOrganizations(db, request.admin)));
  });

  router.get('/admin/orgs/:slug', async (ctx) => {
    const request = await pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'organization.view', ctx.params.slug!);
    const mayChangePolicy = can(request.admin, 'organization.mfa-policy', await organizationTarget(db, organization));
    const form = mayChangePolicy ? { csrfToken: request.csrfToken, freshSecondFactor: hasFreshSecondFactor(deps, request) } : undefined;
    const done = readQuery(ctx).get('done');
    page(ctx, request, organization.name, overviewBody(await organizationOverview(db, organization, deps.clock.now()), form, done ? doneNotices[done] : undefined), organization);
  });

  router.post('/admin/orgs/:slug/mfa-policy', async (ctx) => {
    const request = await postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'organization.mfa-policy', ctx.params.slug!);
    const policy = form.get('policy');
    if (policy !== 'required' && policy !== 'optional') throw new LanyardError('API_REQUEST_INVALID', 'policy must be required or optional');
    await requireFreshSecondFactor(ctx, deps, request, 'organization.mfa-policy', form.get('code'));
    await setOrganizationMfaPolicy(db, organization.slug, policy, request.admin.actor);
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}?done=mfa-policy`);
  });

  router.get('/admin/orgs/:slug/users', async (ctx) => {
    const request = await pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'users.view', ctx.params.slug!);
    const query = readQuery(ctx);
    const search = (query.get('q') ?? '').slice(0, 200);
    const { users, next } = await searchUsers(db, organization, { search, after: query.get('after') });
    const target = await organizationTarget(db, organization);
    const done = query.get('done');
    page(ctx, request, 'Users', usersBody({
      organization,
      users,
      next,
      search,
      csrfToken: request.csrfToken,
      mayChange: can(request.admin, 'users.change', target),
      mayResetMfa: can(request.admin, 'users.reset-mfa', target),
      mayAdd: can(request.admin, 'users.add', target),
      freshSecondFactor: hasFreshSecondFactor(deps, request),
      notice: done ? doneNotices[done] : undefined,
    }), organization);
  });

  for (const [verb, action] of [['disable', 'users.change'], ['enable', 'users.change'], ['reset-mfa', 'users.reset-mfa']] as const) {
    router.post(`/admin/orgs/:slug/users/:id/${verb}`, async (ctx) => {
      const request = await postSession(ctx, deps);
      const form = await readFormBody(ctx, config.maxBodyBytes);
      assertPortalCsrf(request, form.get('csrf'));
      const organization = await requireOrganizationFor(db, request.admin, action, ctx.params.slug!);
      const now = deps.clock.now();
      await requireUserOf(db, organization, ctx.params.id!);
      await requireFreshSecondFactor(ctx, deps, request, action, form.get('code'));
      if (verb === 'reset-mfa') {
        await resetUserMfa(db, request.admin, organization, ctx.params.id!, now);
      } else {
        await changeUserStatus(db, request.admin, organization, ctx.params.id!, verb === 'enable', now);
      }
      ctx.status = 303;
      ctx.redirect(`/admin/orgs/${organization.slug}/users?done=${verb}`);
    });
  }

  const kit = { pageSession, postSession, apiSession, page, doneNotices };
  registerDomainRoutes(router, deps, kit);
  registerKeyRoutes(router, deps, kit);
  registerAgentRoutes(router, deps, kit);
  registerUserRoutes(router, deps, kit);
  registerProvisioningRoutes(router, deps, kit);
  registerCspRoutes(router, deps, kit);
  registerTenantRoutes(router, deps, kit);
  registerBrandingRoutes(router, deps, kit);

  router.get('/admin/orgs/:slug/audit', async (ctx) => {
    const request = await pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'audit.view', ctx.params.slug!);
    await auditPage(ctx, request, { kind: 'organization', organization }, `/admin/orgs/${organization.slug}/audit`, `Audit log · ${organization.name}`, organization);
  });
  router.get('/admin/orgs/:slug/audit.csv', async (ctx) => {
    const request = await apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'audit.view', ctx.params.slug!);
    await auditExport(ctx, { kind: 'organization', organization }, organization.slug);
  });
  router.get('/admin/audit', async (ctx) => {
    const request = await pageSession(ctx, deps);
    if (!request) return;
    requireCan(request.admin, 'installation.view', installation);
    await auditPage(ctx, request, installation, '/admin/audit', 'Audit log · everything');
  });
  router.get('/admin/audit.csv', async (ctx) => {
    const request = await apiSession(ctx, deps);
    requireCan(request.admin, 'installation.view', installation);
    await auditExport(ctx, installation, 'all');
  });

  router.get('/admin/admins', async (ctx) => {
    const request = await pageSession(ctx, deps);
    if (!request) return;
    page(ctx, request, 'Admins', adminsBody(await listAdmins(db, request.admin)));
  });

  // The same facts as JSON, for scripts holding an admin session (the API tokens stay on /api/v1).
  router.get('/admin/api/orgs/:slug', async (ctx) => {
    const request = await apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'organization.view', ctx.params.slug!);
    ctx.body = await organizationOverview(db, organization, deps.clock.now());
  });
  router.get('/admin/api/orgs/:slug/users', async (ctx) => {
    const request = await apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'users.view', ctx.params.slug!);
    const query = readQuery(ctx);
    ctx.body = await searchUsers(db, organization, { search: query.get('q'), after: query.get('after') });
  });
  router.get('/admin/api/orgs/:slug/audit', async (ctx) => {
    const request = await apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'audit.view', ctx.params.slug!);
    ctx.body = await queryAudit(db, { kind: 'organization', organization }, auditFilterOf(ctx));
  });

  async function auditPage(ctx: Context, request: AdminRequest, scope: AuditScope, base: string, title: string, organization?: Organization): Promise<void> {
    const filter = auditFilterOf(ctx);
    const { events, next } = await queryAudit(db, scope, filter);
    page(ctx, request, title, auditBody({ title, base, events, next, filter }), organization);
  }

  async function auditExport(ctx: Context, scope: AuditScope, name: string): Promise<void> {
    const { events } = await queryAudit(db, scope, auditFilterOf(ctx), auditExportLimit);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="lanyard-audit-${name}.csv"`);
    ctx.body = auditCsv(events);
  }

  return router;
}

const doneNotices: Record<string, string> = {
  disable: 'The account is disabled and its sessions are ended.',
  enable: 'The account is enabled.',
  'reset-mfa': 'The authenticator is removed: the person sets up a new one at their next sign-in.',
  'mfa-policy': 'The MFA policy is saved.',
  'domain-add': 'The domain is added.',
  federate: 'The domain is federated: Microsoft now sends its sign-ins to Lanyard.',
  unfederate: 'The domain is managed by Microsoft again (allow up to two hours everywhere).',
  edit: 'The account is saved.',
  delete: 'The account is deleted.',
  'agent-revoke': 'The agent is revoked: its key is refused from its next request on.',
  'deletions-confirm': 'The deletions are confirmed: the agent\'s next sync disables those accounts.',
  'create-next': 'Step 1 done: the next key is created and every federated domain trusts it. Activate it once Microsoft has picked it up.',
  activate: 'Step 2 done: the next key now signs; the old one stays trusted until it is retired.',
  'retire-previous': 'Step 3 done: the previous key is retired everywhere.',
  'tenant-connect': 'The app registration is saved: Microsoft issued a token for it and its tenant\'s domains were read.',
  'logo-upload': 'The logo is saved: the sign-in pages show it from now on.',
  'logo-remove': 'The logo is removed: the sign-in pages show the name only.',
};

function auditFilterOf(ctx: Context): AuditFilter {
  const query = readQuery(ctx);
  const text = (name: string) => query.get(name)?.slice(0, 200) || undefined;
  return { actor: text('actor'), action: text('action'), user: text('user'), from: text('from'), to: text('to'), before: text('before') };
}

/** A page's session, or a redirect to sign in (undefined: the response is set). */
async function pageSession(ctx: Context, deps: PortalDeps): Promise<AdminRequest | undefined> {
  const request = await resumePortalSession(ctx, deps);
  if (!request) {
    ctx.status = 303;
    ctx.redirect('/admin/signin');
  }
  return request;
}

/** A form post's or API call's session: refused without one (no redirect would keep the post). */
async function postSession(ctx: Context, deps: PortalDeps): Promise<AdminRequest> {
  const request = await resumePortalSession(ctx, deps);
  if (!request) throw new LanyardError('ADMIN_SESSION_REQUIRED', 'Sign in to the admin portal first.');
  return request;
}
const apiSession = postSession;

/** Where a page is: in an organization, or in a CSP partner (and one of its customers). */
export type PageScope = Organization | CspPageScope;

function navFor(request: AdminRequest, scope?: PageScope): NavGroup[] {
  const admin = request.admin;
  const portalItems = [{ href: '/admin', label: 'Organizations' }];
  if (admin.grants.some((grant) => grant.role === 'operator' || grant.role === 'partner-admin' || grant.role === 'reseller')) portalItems.push({ href: '/admin/csp', label: 'CSP partners' });
  const groups: NavGroup[] = [{ title: 'Portal', items: portalItems }];
  const organization = scope && !isCspScope(scope) ? scope : undefined;
  if (scope && isCspScope(scope)) groups.push(...cspNav(admin, scope));
  if (organization) {
    // Only pages this admin may open: the rule was already asked for this organization by the route.
    const items = [
      { href: `/admin/orgs/${organization.slug}`, label: 'Overview' },
      { href: `/admin/orgs/${organization.slug}/users`, label: 'Users' },
      { href: `/admin/orgs/${organization.slug}/domains`, label: 'Domains & federation' },
      { href: `/admin/orgs/${organization.slug}/agents`, label: 'Directory agents' },
      { href: `/admin/orgs/${organization.slug}/provisioning`, label: 'Provisioning' },
      { href: `/admin/orgs/${organization.slug}/audit`, label: 'Audit log' },
      { href: `/admin/orgs/${organization.slug}/tenant`, label: 'Tenant connection' },
      { href: `/admin/orgs/${organization.slug}/branding`, label: 'Sign-in page' },
    ];
    groups.push({ title: organization.name, items });
  }
  const installationItems = [
    ...(can(admin, 'installation.view', installation) ? [{ href: '/admin/audit', label: 'Audit log (everything)' }] : []),
    ...(can(admin, 'admins.manage', installation) ? [{ href: '/admin/admins', label: 'Admins' }] : []),
    ...(can(admin, 'keys.view', installation) ? [{ href: '/admin/keys', label: 'Signing keys' }] : []),
  ];
  if (installationItems.length) groups.push({ title: 'This Lanyard', items: installationItems });
  return groups;
}

function page(ctx: Context, request: AdminRequest, title: string, body: SafeHtml, scope?: PageScope): void {
  ctx.type = 'html';
  ctx.body = renderPortalPage({
    title,
    nonce: ctx.state.nonce,
    path: ctx.path,
    body,
    signedIn: { upn: request.user.upn, roles: [...new Set(request.admin.grants.map((g) => g.role))].join(', '), csrfToken: request.csrfToken, nav: navFor(request, scope) },
  });
}
