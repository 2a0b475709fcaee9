import type Router from '@koa/router';
import { html } from '../../core/pages/html.ts';
import { renderPage } from '../../core/pages/layout.ts';
import { createRouter } from '../../core/router.ts';
import { completeTenantConsent, tenantConsentCallbackPath, type TenantConsentDeps } from './tenant-consent.ts';

const param = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/**
 * GET /csp/tenant-consent/callback: where Entra sends a customer tenant's admin back after the
 * admin consent. Refusals are LanyardErrors, shown by the one error handler as the error page.
 */
export function tenantConsentCallbackRouter(deps: TenantConsentDeps): Router {
  const router = createRouter();
  router.get(tenantConsentCallbackPath, async (ctx) => {
    const result = await completeTenantConsent(deps, {
      state: param(ctx.query.state),
      adminConsent: param(ctx.query.admin_consent),
      tenant: param(ctx.query.tenant),
      error: param(ctx.query.error),
      errorDescription: param(ctx.query.error_description),
    });
    ctx.type = 'html';
    ctx.body = renderPage({
      title: 'Consent recorded',
      nonce: ctx.state.nonce,
      body: html`<h1>Consent recorded</h1>
<p id="tenant-consent-done">Your partner's app may now manage users and licences in <strong>${result.customer}</strong> (tenant ${result.tenantId}). You can close this window.</p>`,
    });
  });
  return router;
}
