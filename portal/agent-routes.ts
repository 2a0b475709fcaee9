import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Organization } from '../core/db/schema.ts';
import { readFormBody, readQuery } from '../core/http/form-body.ts';
import { organizationTarget, requireOrganizationFor } from './admins.ts';
import type { RouteKit } from './domain-routes.ts';
import { withFormRefusal, type FormRefusal } from './form-refusal.ts';
import { agentsBody } from './pages/agents-page.ts';
import { can } from './policy.ts';
import type { PortalDeps } from './session/deps.ts';
import { assertPortalCsrf, type AdminRequest } from './session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from './session/reauth.ts';
import { agentsStatus, changeAgentDeletionThreshold, confirmOrganizationDeletions, registerOrganizationAgent, revokeOrganizationAgent } from './views/agents.ts';

const notices: Record<string, string> = {
  'deletion-threshold': 'The deletion threshold is saved: the next sync uses it.',
};

/**
 * Directory agents: status, last sync and its errors, the deletion guard with "confirm deletions"
 * and its threshold (both re-authenticated), register (the key is shown once, in the answer to the post, never stored
 * in a URL) and revoke.
 */
export function registerAgentRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db, config } = deps.context;

  async function render(ctx: Context, request: AdminRequest, organization: Organization, extra: { notice?: string | undefined; newKey?: { name: string; key: string }; refusal?: { form: 'register' | 'threshold'; refusal: FormRefusal }; freshSecondFactor?: boolean }) {
    const target = await organizationTarget(db, organization);
    kit.page(ctx, request, 'Directory agents', agentsBody({
      slug: organization.slug,
      status: await agentsStatus(db, request.admin, organization, deps.clock.now()),
      csrfToken: request.csrfToken,
      mayManage: can(request.admin, 'agents.manage', target),
      mayConfirmDeletions: can(request.admin, 'agents.confirm-deletions', target),
      mayThreshold: can(request.admin, 'agents.threshold', target),
      ...extra,
      freshSecondFactor: extra.freshSecondFactor ?? hasFreshSecondFactor(deps, request),
    }), organization);
  }

  router.get('/admin/orgs/:slug/agents', async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const organization = await requireOrganizationFor(db, request.admin, 'agents.view', ctx.params.slug!);
    const done = readQuery(ctx).get('done');
    await render(ctx, request, organization, { notice: done ? kit.doneNotices[done] ?? notices[done] : undefined });
  });

  /** A form post (or its JSON twin): the session, the form, its CSRF token, then the rule for `action`. */
  async function post(ctx: Context, action: 'agents.manage' | 'agents.confirm-deletions' | 'agents.threshold', api = false) {
    const request = api ? await kit.apiSession(ctx, deps) : await kit.postSession(ctx, deps);
    const form = await readFormBody(ctx, config.maxBodyBytes);
    assertPortalCsrf(request, form.get('csrf'));
    const organization = await requireOrganizationFor(db, request.admin, action, ctx.params.slug!);
    return { request, form, organization };
  }

  router.post('/admin/orgs/:slug/agents', async (ctx) => {
    const { request, form, organization } = await post(ctx, 'agents.manage');
    await withFormRefusal(ctx, form, async () => {
      const { agent, key } = await registerOrganizationAgent(db, request.admin, organization, form.get('name') ?? '', deps.clock.now());
      // The key is in this answer only (not cached, never in a URL). A reload re-posts, after the
      // browser asks, and registers another agent: a redirect would have to carry the key.
      ctx.set('Cache-Control', 'no-store');
      await render(ctx, request, organization, { notice: `The agent ${agent.name} is registered.`, newKey: { name: agent.name, key } });
    }, (refusal) => render(ctx, request, organization, { refusal: { form: 'register', refusal } }));
  });

  // The threshold, and the same change as JSON (same form fields, CSRF token and fresh code) answering `{ threshold }`.
  for (const api of [false, true]) {
    router.post(`/admin${api ? '/api' : ''}/orgs/:slug/agents/deletion-threshold`, async (ctx) => {
      const { request, form, organization } = await post(ctx, 'agents.threshold', api);
      // A wrong code is a refusal of the form too; once a code is accepted the form asks for none again.
      let fresh = hasFreshSecondFactor(deps, request);
      const change = async () => {
        await requireFreshSecondFactor(ctx, deps, request, 'agents.threshold', form.get('code'));
        fresh = true;
        return changeAgentDeletionThreshold(db, request.admin, organization, form.get('threshold') ?? '', deps.clock.now());
      };
      if (api) {
        ctx.body = await change();
        return;
      }
      await withFormRefusal(ctx, form, async () => {
        await change();
        ctx.status = 303;
        ctx.redirect(`/admin/orgs/${organization.slug}/agents?done=deletion-threshold`);
      }, (refusal) => render(ctx, request, organization, { refusal: { form: 'threshold', refusal }, freshSecondFactor: fresh }));
    });
  }

  router.post('/admin/orgs/:slug/agents/:id/revoke', async (ctx) => {
    const { request, organization } = await post(ctx, 'agents.manage');
    await revokeOrganizationAgent(db, request.admin, organization, ctx.params.id!, deps.clock.now());
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/agents?done=agent-revoke`);
  });

  router.post('/admin/orgs/:slug/agents/confirm-deletions', async (ctx) => {
    const { request, form, organization } = await post(ctx, 'agents.confirm-deletions');
    await requireFreshSecondFactor(ctx, deps, request, 'agents.confirm-deletions', form.get('code'));
    await confirmOrganizationDeletions(db, request.admin, organization, deps.clock.now());
    ctx.status = 303;
    ctx.redirect(`/admin/orgs/${organization.slug}/agents?done=deletions-confirm`);
  });

  router.get('/admin/api/orgs/:slug/agents', async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const organization = await requireOrganizationFor(db, request.admin, 'agents.view', ctx.params.slug!);
    ctx.body = await agentsStatus(db, request.admin, organization, deps.clock.now());
  });
}
