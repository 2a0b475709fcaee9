import type Router from '@koa/router';
import { createRouter } from '../core/router.ts';
import { html } from '../core/pages/html.ts';
import { renderPage } from '../core/pages/layout.ts';

/**
 * `/`: says what this server is and where its public endpoints are, in the sign-in pages' frame
 * (same CSP nonce, no external assets). A placeholder until the admin portal takes this address.
 */
export function landingPageRouter(publicUrl: string): Router {
  const router = createRouter();
  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = renderPage({
      title: 'Lanyard',
      nonce: ctx.state.nonce as string,
      body: html`<h1>Lanyard</h1>
<p>This is a Lanyard identity provider: it signs people in to Microsoft 365 for the domains federated with it. People arrive here from Microsoft's sign-in page; there is nothing to do at this address.</p>
<p>Federation metadata of a domain: <code class="reason">${publicUrl}/federation/{domain}/federationmetadata.xml</code></p>
<p>Health: <a href="/healthz">/healthz</a> · readiness: <a href="/readyz">/readyz</a></p>
<p class="hint">Administrators: see README.md and docs/ in the Lanyard distribution for setup, the <code class="reason">lanyard</code> command and the admin API.</p>`,
    });
  });
  return router;
}
