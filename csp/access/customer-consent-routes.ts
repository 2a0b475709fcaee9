import type Router from '@koa/router';
import { isLanyardError } from '../../core/errors.ts';
import { renderErrorPage } from '../../core/pages/error-page.ts';
import { html } from '../../core/pages/html.ts';
import { renderPage } from '../../core/pages/layout.ts';
import { createRouter } from '../../core/router.ts';
import { beginCustomerConsent, completeCustomerConsentCallback, consentWizardView, customerConsentCallbackPath, customerConsentWizardPath, type CustomerConsentDeps } from './customer-consent.ts';

const param = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/**
 * The consent wizard a customer's admin opens from the invitation mail, served by Lanyard:
 * - GET  /csp/customer-consent/wizard/:token — who asks, for which tenant, which permissions and why;
 * - POST the same — a fresh state and PKCE verifier, then 303 to Entra's authorize page of that tenant;
 * - GET  /csp/customer-consent/callback — Entra's answer, recorded, and the result page.
 * A dead link or a refusal is a LanyardError, shown by the one error handler with its sentence and code.
 * The pages load nothing from elsewhere (the CSP allows only this server's nonce'd style).
 */
export function customerConsentRouter(deps: CustomerConsentDeps): Router {
  const router = createRouter();
  router.get(`${customerConsentWizardPath}/:token`, async (ctx) => {
    const view = await consentWizardView(deps, ctx.params.token ?? '');
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = renderPage({
      title: 'Give your partner access',
      nonce: ctx.state.nonce,
      body: html`<h1>Give ${view.partner} access to ${view.company}</h1>
<p id="wizard-intro">Your Microsoft 365 partner <strong>${view.partner}</strong> manages users, licences and domains of <strong>${view.company}</strong> (<span id="wizard-tenant">${view.customer}</span>, tenant ${view.tenantId}) with Lanyard. An administrator of that tenant consents once; Lanyard then keeps the access for this tenant alone.</p>
<p>Microsoft will ask you to sign in with multi-factor authentication and to accept these permissions:</p>
<ul id="wizard-permissions">${view.permissions.map((permission) => html`<li><code class="reason">${permission.scope.replace('https://graph.microsoft.com/', '')}</code> — ${permission.why}</li>`)}</ul>
<p class="hint">This link works until ${view.expiresAt.slice(0, 10)} and is spent once the consent is recorded. You can withdraw the consent at any time under Enterprise applications in the Entra admin centre.</p>
<form method="post" action="${customerConsentWizardPath}/${ctx.params.token ?? ''}"><button type="submit" id="wizard-continue">Continue to Microsoft</button></form>`,
    });
  });
  router.post(`${customerConsentWizardPath}/:token`, async (ctx) => {
    const url = await beginCustomerConsent(deps, ctx.params.token ?? '');
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    ctx.redirect(url);
  });
  router.get(customerConsentCallbackPath, async (ctx) => {
    let result;
    try {
      result = await completeCustomerConsentCallback(deps, {
        code: param(ctx.query.code),
        state: param(ctx.query.state),
        clientInfo: param(ctx.query.client_info),
        error: param(ctx.query.error),
        errorDescription: param(ctx.query.error_description),
      });
    } catch (error) {
      // Entra's refusal of the code is the customer admin's to act on (the AADSTS code and what it means), not a fault of ours to hide.
      if (!isLanyardError(error, 'CSP_TOKEN_REFUSED')) throw error;
      ctx.status = error.status;
      ctx.type = 'html';
      ctx.body = renderErrorPage({ nonce: ctx.state.nonce, title: 'Microsoft refused the sign-in', message: `${error.message} Open the consent link again; if it keeps failing, tell your partner this code.`, code: error.code });
      return;
    }
    ctx.type = 'html';
    ctx.body = renderPage({
      title: 'Consent recorded',
      nonce: ctx.state.nonce,
      body: html`<h1>Consent recorded</h1>
<p id="customer-consent-done">Thank you. Your partner now has the access you granted to <strong>${result.company}</strong> (${result.customer}), consented by <span id="customer-consent-upn">${result.consentUpn ?? 'your administrator'}</span> with multi-factor authentication. You can close this window.</p>`,
    });
  });
  return router;
}
