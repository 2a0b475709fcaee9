import type Router from '@koa/router';
import type { Context } from 'koa';
import { readQuery } from '../../core/http/form-body.ts';
import { readSyncSettings } from '../../csp/data/sync-settings.ts';
import type { CspPartner } from '../../csp/data/tables.ts';
import { latestPartnerSync, startPartnerSync } from '../../csp/jobs/partner-sync-job.ts';
import { configureSync } from '../../csp/sync/sync-configure.ts';
import { partnerSyncErrors } from '../../csp/sync/sync-errors-view.ts';
import { partnerTarget, requirePartnerFor } from '../admins.ts';
import type { RouteKit } from '../domain-routes.ts';
import { withFormRefusal, type FormRefusal } from '../form-refusal.ts';
import { can } from '../policy.ts';
import type { PortalDeps } from '../session/deps.ts';
import type { AdminRequest } from '../session/portal-session.ts';
import { partnerPost, seeOther } from './csp-posts.ts';
import { cspPaths } from './csp-routes.ts';
import { syncBody } from './sync-pages.ts';

const pagePath = '/admin/csp/:partner/sync';
const apiPath = '/admin/api/csp/:partner/sync';

const doneNotices: Record<string, string> = {
  settings: 'The sync settings are saved; the next sync uses them.',
  started: 'The sync is queued: it runs as a job on this Lanyard.',
};

/**
 * A partner's Sync & errors page and its JSON twins: the settings of `csp sync configure`
 * (csp.partner.manage), "Run sync now" as a `csp.sync-partner` job running the same syncPartner as
 * `csp sync` (csp.sync.run), and the error table of `csp sync errors` (csp.sync.view).
 */
export function registerCspSyncRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db } = deps.context;
  const state = async (partner: CspPartner) => ({
    partner: partner.slug,
    settings: await readSyncSettings(db, partner.id),
    job: (await latestPartnerSync(db, partner)) ?? null,
    errors: await partnerSyncErrors(db, partner),
  });


  async function syncPage(ctx: Context, request: AdminRequest, partner: CspPartner, extra: { notice?: string | undefined; refusal?: FormRefusal }): Promise<void> {
    const { settings, job, errors } = await state(partner);
    kit.page(ctx, request, `Sync · ${partner.slug}`, syncBody({
      partner, settings, job: job ?? undefined, errors, csrfToken: request.csrfToken,
      mayConfigure: can(request.admin, 'csp.partner.manage', partnerTarget(partner)),
      mayRun: can(request.admin, 'csp.sync.run', partnerTarget(partner)),
      ...extra,
    }), { partner });
  }

  router.get(pagePath, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const partner = await requirePartnerFor(db, request.admin, 'csp.sync.view', ctx.params.partner!);
    const done = readQuery(ctx).get('done');
    await syncPage(ctx, request, partner, { notice: done ? doneNotices[done] : undefined });
  });

  router.get(apiPath, async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    ctx.body = await state(await requirePartnerFor(db, request.admin, 'csp.sync.view', ctx.params.partner!));
  });

  for (const path of [pagePath, apiPath]) {
    const api = path === apiPath;
    router.post(`${path}/settings`, async (ctx) => {
      const { request, form, partner } = await partnerPost(ctx, deps, kit, 'csp.partner.manage');
      const configure = () => configureSync(db, partner, {
        match: form.get('match'), ignoreAccountEnabled: form.get('ignoreAccountEnabled'), billingGroup: form.get('billingGroup'),
        billingLicences: form.get('billingLicences'), signInActivity: form.get('signInActivity'),
      }, request.admin.actor, deps.clock.now());
      if (api) ctx.body = { partner: partner.slug, ...(await configure()) };
      else await withFormRefusal(ctx, form, async () => {
        await configure();
        seeOther(ctx, `${cspPaths.sync(partner)}?done=settings`);
      }, (refusal) => syncPage(ctx, request, partner, { refusal }));
    });
    router.post(`${path}/run`, async (ctx) => {
      const { request, partner } = await partnerPost(ctx, deps, kit, 'csp.sync.run');
      const job = await startPartnerSync(db, deps.jobs, partner, request.admin.actor);
      if (api) ctx.body = job;
      else seeOther(ctx, `${cspPaths.sync(partner)}?done=started`);
    });
  }
}
