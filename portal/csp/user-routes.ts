import type Router from '@koa/router';
import type { Context } from 'koa';
import { LanyardError } from '../../core/errors.ts';
import { readQuery } from '../../core/http/form-body.ts';
import type { CspCustomer, CspPartner } from '../../csp/data/tables.ts';
import type { CustomerGraphDeps } from '../../csp/graph/open-customer-graph.ts';
import {
  addCustomerUser, changeCustomerLicence, changeCustomerUser, customerUserChoices, findCustomerTenantUser, listCustomerTenantUsers, removeCustomerUser,
  type ChangeUserInput, type CustomerUserView,
} from '../../csp/users/user-admin.ts';
import { customerTarget, requireCustomerFor } from '../admins.ts';
import { withFormRefusal, type FormRefusal } from '../form-refusal.ts';
import type { RouteKit } from '../domain-routes.ts';
import { customerPost, seeOther } from './csp-posts.ts';
import { can, type Action } from '../policy.ts';
import type { PortalDeps } from '../session/deps.ts';
import type { AdminRequest } from '../session/portal-session.ts';
import { hasFreshSecondFactor, requireFreshSecondFactor } from '../session/reauth.ts';
import { customerUsersBody, userAddedBody, userChangeBody, usersBase } from './user-pages.ts';

const customerPath = '/admin/csp/:partner/customers/:customer/users';
const apiPath = `/admin/api${customerPath.slice('/admin'.length)}`;
const pageSize = 25;

/** One page of the tenant's users, sorted by UPN, matching `search` (name or UPN), after the UPN `after`. */
export function pageOfUsers(users: readonly CustomerUserView[], search: string, after: string | undefined): { users: CustomerUserView[]; next: string | null; total: number } {
  const needle = search.trim().toLowerCase();
  const matching = needle ? users.filter((user) => user.userPrincipalName.toLowerCase().includes(needle) || user.displayName.toLowerCase().includes(needle)) : [...users];
  const rest = after ? matching.filter((user) => user.userPrincipalName.localeCompare(after) > 0) : matching;
  const shown = rest.slice(0, pageSize);
  return { users: shown, next: rest.length > pageSize ? shown[shown.length - 1]!.userPrincipalName : null, total: matching.length };
}

const doneNotices: Record<string, string> = {
  change: 'The user is saved.',
  unchanged: 'Nothing was changed.',
  remove: 'The user is removed (Microsoft keeps it in deleted users for 30 days).',
  'licence-assign': 'The licence is assigned.',
  'licence-remove': 'The licence is removed.',
};

/**
 * A CSP customer's Users & licences page and its JSON twins: the same functions as `csp user …`
 * and `csp licence …` (csp/users/user-admin.ts, Graph with the partner's delegated access), each
 * behind requireCustomerFor with its action (csp.users.manage; csp.users.delete, re-authenticated).
 */
export function registerCspUserRoutes(router: Router, deps: PortalDeps, kit: RouteKit): void {
  const { db } = deps.context;
  const graphDeps: CustomerGraphDeps = { db, secretBox: deps.context.secretBox, clock: deps.clock };
  const scoped = (request: AdminRequest, ctx: Context, action: Action) => requireCustomerFor(db, request.admin, action, ctx.params.partner!, ctx.params.customer!);

  async function listing(customer: CspCustomer, query: Map<string, string>) {
    const search = (query.get('q') ?? '').slice(0, 200);
    const [{ users }, choices] = await Promise.all([listCustomerTenantUsers(graphDeps, customer.tenantId), customerUserChoices(graphDeps, customer.tenantId)]);
    return { search, ...pageOfUsers(users, search, query.get('after')), licences: choices.licences, verifiedDomains: choices.verifiedDomains };
  }


  async function usersPage(ctx: Context, request: AdminRequest, partner: CspPartner, customer: CspCustomer, query: Map<string, string>, refused?: { refusal: FormRefusal; addForm: boolean }): Promise<void> {
    const target = customerTarget(customer);
    const done = query.get('done');
    kit.page(ctx, request, `Users · ${customer.companyName}`, customerUsersBody({
      partner, customer, ...(await listing(customer, query)), csrfToken: request.csrfToken,
      mayManage: can(request.admin, 'csp.users.manage', target),
      mayDelete: can(request.admin, 'csp.users.delete', target),
      freshSecondFactor: hasFreshSecondFactor(deps, request),
      notice: done ? doneNotices[done] : undefined,
      refusal: refused?.refusal,
      addFormRefused: refused?.addForm ?? false,
    }), { partner, customer });
  }

  /**
   * A page's action: a refusal of what was asked (no seats left, a UPN outside the verified domains…)
   * is shown on the users page with its message, keeping the status and, for the add form, what was
   * typed (form-refusal.ts); anything else is the error page.
   */
  async function pageAction(ctx: Context, request: AdminRequest, partner: CspPartner, customer: CspCustomer, form: Map<string, string>, run: () => Promise<void>, addForm = false): Promise<void> {
    await withFormRefusal(ctx, form, run, (refusal) => usersPage(ctx, request, partner, customer, new Map(), { refusal, addForm }));
  }

  router.get(customerPath, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const { partner, customer } = await scoped(request, ctx, 'csp.customer.view');
    await usersPage(ctx, request, partner, customer, readQuery(ctx));
  });

  async function changePage(ctx: Context, request: AdminRequest, partner: CspPartner, customer: CspCustomer, refusal?: FormRefusal): Promise<void> {
    const [{ user }, { verifiedDomains }] = await Promise.all([findCustomerTenantUser(graphDeps, customer.tenantId, ctx.params.user!), customerUserChoices(graphDeps, customer.tenantId)]);
    kit.page(ctx, request, `Change ${user.userPrincipalName}`, userChangeBody({ partner, customer, user, verifiedDomains, csrfToken: request.csrfToken, refusal }), { partner, customer });
  }

  router.get(`${customerPath}/:user`, async (ctx) => {
    const request = await kit.pageSession(ctx, deps);
    if (!request) return;
    const { partner, customer } = await scoped(request, ctx, 'csp.users.manage');
    await changePage(ctx, request, partner, customer);
  });

  for (const path of [customerPath, apiPath]) {
    const api = path === apiPath;
    router.post(path, async (ctx) => {
      const { request, form, partner, customer } = await customerPost(ctx, deps, kit, 'csp.users.manage');
      const licences = [...form.entries()].filter(([name, value]) => name.startsWith('sku-') && value === 'on').map(([name]) => name.slice('sku-'.length));
      const usageLocation = form.get('usageLocation')?.trim();
      const add = () => addCustomerUser(graphDeps, customer.tenantId, {
        upn: upnOf(form), displayName: form.get('name') ?? '', licences, ...(usageLocation ? { usageLocation } : {}),
      }, request.admin.actor);
      // The password is in this answer only: never in a URL, never cached.
      ctx.set('Cache-Control', 'no-store');
      if (api) ctx.body = await add();
      else await pageAction(ctx, request, partner, customer, form, async () => {
        const report = await add();
        kit.page(ctx, request, `${report.user.userPrincipalName} added`, userAddedBody({ partner, customer, user: report.user, password: report.password }), { partner, customer });
      }, true);
    });
    router.post(`${path}/:user`, async (ctx) => {
      const { request, form, partner, customer } = await customerPost(ctx, deps, kit, 'csp.users.manage');
      const change = async () => {
        const { user } = await findCustomerTenantUser(graphDeps, customer.tenantId, ctx.params.user!);
        const changes = changesOf(user, form);
        // A form saved as it was changes nothing (the command would call that a usage error).
        return Object.keys(changes).length ? changeCustomerUser(graphDeps, customer.tenantId, user.id, changes, request.admin.actor) : { customer: customer.domain, user, changed: [] };
      };
      if (api) ctx.body = await change();
      // The change form's refusal is shown on the change form, with what was typed.
      else await withFormRefusal(ctx, form, async () => seeOther(ctx, `${usersBase(partner, customer)}?done=${(await change()).changed.length ? 'change' : 'unchanged'}`),
        (refusal) => changePage(ctx, request, partner, customer, refusal));
    });
    router.post(`${path}/:user/remove`, async (ctx) => {
      const { request, form, partner, customer } = await customerPost(ctx, deps, kit, 'csp.users.delete');
      await requireFreshSecondFactor(ctx, deps, request, 'csp.users.delete', form.get('code'));
      const report = await removeCustomerUser(graphDeps, customer.tenantId, ctx.params.user!, request.admin.actor);
      if (api) ctx.body = report;
      else seeOther(ctx, `${usersBase(partner, customer)}?done=remove`);
    });
    router.post(`${path}/:user/licences`, async (ctx) => {
      const { request, form, partner, customer } = await customerPost(ctx, deps, kit, 'csp.users.manage');
      const action = form.get('action');
      if (action !== 'assign' && action !== 'remove') throw new LanyardError('API_REQUEST_INVALID', 'action must be assign or remove');
      const change = () => changeCustomerLicence(graphDeps, customer.tenantId, ctx.params.user!, form.get('sku') ?? '', action, request.admin.actor);
      if (api) ctx.body = await change();
      else await pageAction(ctx, request, partner, customer, form, async () => {
        await change();
        seeOther(ctx, `${usersBase(partner, customer)}?done=licence-${action}`);
      });
    });
  }

  router.get(apiPath, async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const { customer } = await scoped(request, ctx, 'csp.customer.view');
    ctx.body = { customer: customer.domain, ...(await listing(customer, readQuery(ctx))) };
  });
  router.get(`${apiPath}/:user`, async (ctx) => {
    const request = await kit.apiSession(ctx, deps);
    const { customer } = await scoped(request, ctx, 'csp.customer.view');
    ctx.body = await findCustomerTenantUser(graphDeps, customer.tenantId, ctx.params.user!);
  });
}

/** alias + verified domain from the form (or a whole `upn`, for scripts); the function checks the domain. */
function upnOf(form: Map<string, string>): string {
  const upn = form.get('upn');
  if (upn !== undefined) return upn;
  return `${(form.get('alias') ?? '').trim()}@${(form.get('domain') ?? '').trim()}`;
}

/** Only what the form changes: the function then PATCHes and audits just those. */
function changesOf(user: CustomerUserView, form: Map<string, string>): ChangeUserInput {
  const name = form.get('name');
  const upn = form.has('alias') || form.has('upn') ? upnOf(form) : undefined;
  const location = form.get('usageLocation')?.trim();
  const enabled = form.get('enabled');
  if (enabled !== undefined && enabled !== 'on' && enabled !== 'off') throw new LanyardError('API_REQUEST_INVALID', 'enabled must be on or off');
  return {
    ...(name !== undefined && name.trim() !== user.displayName ? { displayName: name } : {}),
    ...(upn !== undefined && upn.toLowerCase() !== user.userPrincipalName.toLowerCase() ? { newUpn: upn } : {}),
    ...(location && location.toUpperCase() !== user.usageLocation ? { usageLocation: location } : {}),
    ...(enabled !== undefined && (enabled === 'on') !== (user.accountEnabled !== false) ? { accountEnabled: enabled === 'on' } : {}),
  };
}
