import type Router from '@koa/router';
import { html } from '../../core/pages/html.ts';
import { renderPage } from '../../core/pages/layout.ts';
import { createRouter } from '../../core/router.ts';
import { completeConsent, consentCallbackPath, type ConsentDeps } from './consent.ts';

const param = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/**
 * GET /csp/consent/callback: where Entra sends the partner admin back after consent. Refusals
 * (unknown / used / expired state, consent without MFA, an Entra error) are LanyardErrors, shown by
 * the one error handler as the error page with the sentence saying what to do and the code.
 */
export function consentCallbackRouter(deps: ConsentDeps): Router {
  const router = createRouter();
  router.get(consentCallbackPath, async (ctx) => {
    const query = ctx.query;
    const result = await completeConsent(deps, {
      code: param(query.code),
      state: param(query.state),
      clientInfo: param(query.client_info),
      error: param(query.error),
      errorDescription: param(query.error_description),
    });
    ctx.type = 'html';
    ctx.body = renderPage({
      title: 'Partner consent recorded',
      nonce: ctx.state.nonce,
      body: html`<h1>Partner consent recorded</h1>
<p id="consent-done">Lanyard now holds the delegated Partner Center access of <strong>${result.partner}</strong>, consented by <span id="consent-upn">${result.consentUpn ?? 'the partner admin'}</span> with MFA.</p>
${result.startedBy.startsWith('user:')
  // Started from the admin portal (its actors are user:<upn>): back to the partner's page there. A link,
  // not a redirect: the portal's SameSite=Strict cookie is not sent on a navigation that began at Entra.
  ? html`<p><a class="button" id="back-to-portal" href="/admin/csp/${result.partner}?done=consent">Back to ${result.partner} in the admin portal</a></p>`
  : html`<p>You can close this window; <code>lanyard csp partner status ${result.partner}</code> shows the token's state.</p>`}`,
    });
  });
  return router;
}
