import { html } from './html.ts';
import { renderPage } from './layout.ts';

/** Any failure a person can see, from any module: a neutral title, a plain sentence and the stable code for support. */
export function renderErrorPage(page: { readonly nonce: string; readonly title: string; readonly message: string; readonly code: string }): string {
  return renderPage({
    title: page.title,
    nonce: page.nonce,
    body: html`<h1>${page.title}</h1>
<p class="error" role="alert" id="error">${page.message}</p>
<p class="hint">If this keeps happening, give your administrator this code: <code class="reason" id="error-code">${page.code}</code></p>`,
  });
}
