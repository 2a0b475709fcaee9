import { html } from '../../core/pages/html.ts';
import { renderPortalPage } from './layout.ts';

/** The portal's first step: which account; the password and code pages are the IdP's own. */
export function renderSignInStartPage(page: { readonly nonce: string; readonly csrfToken: string; readonly username: string; readonly error?: string | undefined }): string {
  return renderPortalPage({
    title: 'Sign in',
    nonce: page.nonce,
    path: '/admin/signin',
    body: html`<div class="signin card">
<h1>Sign in to the admin portal</h1>
<p class="hint">With your Lanyard account: its password, then a code from your authenticator app (set up on the way if you have none).</p>
${page.error ? html`<p class="error" role="alert" id="error">${page.error}</p>` : ''}
<form method="post" action="/admin/signin">
<input type="hidden" name="csrf" value="${page.csrfToken}">
<label for="username">Email or user name</label>
<input type="email" id="username" name="username" value="${page.username}" autocomplete="username" required autofocus>
<button type="submit" id="next">Next</button>
</form>
</div>`,
  });
}
