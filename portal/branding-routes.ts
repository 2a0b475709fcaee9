import type Router from '@koa/router';
import { maxLogoBytes } from '../core/branding/logo-image.ts';
import { readFormBody, readQuery } from '../core/http/form-body.ts';
import { readMultipartBody } from '../core/http/multipart-body.ts';
import { organizationTarget, requireOrganizationFor } from './admins.ts';
import type { RouteKit } from './domain-routes.ts';
import { brandingBody } from './pages/branding-page.ts';
import { can } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf } from './session/portal-session.ts';
import { organizationBranding, removeLogoOf, uploadOrganizationLogo } from './views/branding.ts';

/** Room for the multipart envelope around the largest logo: a larger body is refused while it streams. */
const uploadBodyLimit = maxLogoBytes + 16 * 1024;

/** The organization's sign-in page: name and logo, upload (multipart) and remove; JSON twins under /admin/api. */
export function registerBrandingRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db, config } = deps.context;

  router.get('/admin/orgs/:slug/branding', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'organization.view', ctx.params.slug!);
    const done = readQuery(ctx).get('done');
    kit.page(ctx, request, 'Sign-in page', brandingBody({
      slug: organization.slug,
      name: organization.name,
      logo: (await organizationBranding(db, organization)).logo,
      csrfToken: request.csrfToken,
      mayChange: can(request.admin, 'organization.branding', await organizationTarget(db, organization)),
      notice: done ? kit.doneNotices[done] : undefined,
    }), organization);
  });

  for (const path of ['/admin/orgs/:slug/branding/logo', '/admin/api/orgs/:slug/branding/logo']) {
    router.post(path, async (ctx) => {
      const request = await kit.postSession(ctx, deps);
      const { fields, files } = await readMultipartBody(ctx, uploadBodyLimit);
      assertPortalCsrf(request, fields.get('csrf'));
      const organization = await requireOrganizationFor(db, request.admin, 'organization.branding', ctx.params.slug!);
      const logo = await uploadOrganizationLogo(db, request.admin, organization, files.get('logo'), deps.clock.now());
      if (path.startsWith('/admin/api/')) {
        ctx.body = { logo };
        return;
      }
      ctx.status = 303;
      ctx.redirect(`/admin/orgs/${organization.slug}/branding?done=logo-upload`);
    });
  }

  router.post('/admin/orgs/:slug/branding/logo/remove', async (ctx) => {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, 'organization.branding', ctx.params.slug!);
    await removeLogoOf(db, request.admin, organization, deps.clock.now());
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/branding?done=logo-remove`);
  });

  router.get('/admin/api/orgs/:slug/branding', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'organization.view', ctx.params.slug!);
    ctx.body = await organizationBranding(db, organization);
  });
}
