import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Organization, User } from '../core/db/schema.ts';
import { readFormBody, readQuery } from '../core/http/form-body.ts';
import type { ActivationLink } from '../provisioning/activation/activation-links.ts';
import { organizationTarget, requireOrganizationFor } from './admins.ts';
import type { RouteKit } from './domain-routes.ts';
import { withFormRefusal, type FormRefusal } from './form-refusal.ts';
import { addUserRefusedBody, userBody } from './pages/user-page.ts';
import { can } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf, type AdminRequest } from './session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from './session/reauth.ts';
import { addOrganizationUser, deleteOrganizationUser, editOrganizationUser, resetOrganizationUserPassword } from './views/user-changes.ts';
import { signInActivityOf } from './views/sign-in-activity.ts';
import { requireUserOf } from './views/users.ts';

/**
 * One account's page (edit, reset password, delete, recent sign-ins) and adding an account. An activation link is
 * in the answer to the post that made it only (no-store), never in a URL.
 */
export function registerUserRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db, config } = deps.context;

  async function render(ctx: Context, request: AdminRequest, organization: Organization, user: User, extra: { notice?: string | undefined; link?: ActivationLink; before?: string | undefined; editRefusal?: FormRefusal }) {
    const target = await organizationTarget(db, organization);
    const { before, ...shown } = extra;
    if (extra.link) ctx.set('Cache-Control', 'no-store');
    kit.page(ctx, request, user.upn, userBody({
      slug: organization.slug,
      user,
      csrfToken: request.csrfToken,
      freshSecondFactor: hasFreshSecondFactor(deps, request),
      mayEdit: can(request.admin, 'users.edit', target),
      mayResetPassword: can(request.admin, 'users.reset-password', target),
      mayDelete: can(request.admin, 'users.delete', target) && user.id !== request.admin.userId,
      signIns: can(request.admin, 'audit.view', target) ? await signInActivityOf(db, organization, user, before) : undefined,
      ...shown,
    }), organization);
  }

  async function post(ctx: Context, action: 'users.add' | 'users.edit' | 'users.reset-password' | 'users.delete') {
    const request = await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, action, ctx.params.slug!);
    return { request, form, organization };
  }

  router.post('/admin/orgs/:slug/users', async (ctx) => {
    const { request, form, organization } = await post(ctx, 'users.add');
    const displayName = form.get('displayName');
    await withFormRefusal(ctx, form, async () => {
      const { user, link } = await addOrganizationUser(db, config.publicUrl, config.passwordHashCost, request.admin, organization, { upn: form.get('upn') ?? '', ...(displayName && { displayName }) }, deps.clock.now());
      await render(ctx, request, organization, user, { notice: `${user.upn} is added, pending activation.`, link });
    }, (refusal) => kit.page(ctx, request, 'Add a user', addUserRefusedBody(organization.slug, request.csrfToken, refusal), organization));
  });

  router.get('/admin/orgs/:slug/users/:id', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'users.view', ctx.params.slug!);
    const user = await requireUserOf(db, organization, ctx.params.id!);
    const query = readQuery(ctx);
    const done = query.get('done');
    await render(ctx, request, organization, user, { notice: done ? kit.doneNotices[done] : undefined, before: query.get('before') });
  });

  router.get('/admin/api/orgs/:slug/users/:id/sign-ins', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'audit.view', ctx.params.slug!);
    const user = await requireUserOf(db, organization, ctx.params.id!);
    ctx.body = await signInActivityOf(db, organization, user, readQuery(ctx).get('before'));
  });

  router.post('/admin/orgs/:slug/users/:id/edit', async (ctx) => {
    const { request, form, organization } = await post(ctx, 'users.edit');
    await withFormRefusal(ctx, form, async () => {
      await editOrganizationUser(db, request.admin, organization, ctx.params.id!, { displayName: form.get('displayName') ?? '' }, deps.clock.now());
      ctx.status = 303;
      ctx.redirect(`/admin/orgs/${organization.slug}/users/${ctx.params.id}?done=edit`);
    }, async (refusal) => render(ctx, request, organization, await requireUserOf(db, organization, ctx.params.id!), { editRefusal: refusal }));
  });

  router.post('/admin/orgs/:slug/users/:id/reset-password', async (ctx) => {
    const { request, form, organization } = await post(ctx, 'users.reset-password');
    await requireUserOf(db, organization, ctx.params.id!);
    await requireFreshSecondFactor(ctx, deps, request, 'users.reset-password', form.get('code'));
    const link = await resetOrganizationUserPassword(db, config.publicUrl, request.admin, organization, ctx.params.id!, deps.clock.now());
    await render(ctx, request, organization, await requireUserOf(db, organization, ctx.params.id!), { notice: 'The password is reset: the account is pending until its person uses the link.', link });
  });

  router.post('/admin/orgs/:slug/users/:id/delete', async (ctx) => {
    const { request, form, organization } = await post(ctx, 'users.delete');
    await requireUserOf(db, organization, ctx.params.id!);
    await requireFreshSecondFactor(ctx, deps, request, 'users.delete', form.get('code'));
    await deleteOrganizationUser(db, request.admin, organization, ctx.params.id!);
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/users?done=delete`);
  });
}
