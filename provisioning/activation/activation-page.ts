import { html, trusted } from '../../core/pages/html.ts';
import { renderPage } from '../../core/pages/layout.ts';

/**
 * The activation page of an imported account: choose a password and set up the authenticator app
 * in one form, in the sign-in pages' frame.
 */
export function renderActivationPage(page: {
  readonly nonce: string;
  readonly organizationName: string | undefined;
  readonly action: string;
  readonly csrfToken: string;
  readonly upn: string;
  readonly qrSvg: string;
  readonly secret: string;
  readonly error?: string | undefined;
}): string {
  return renderPage({
    title: 'Activate your account',
    nonce: page.nonce,
    organizationName: page.organizationName,
    body: html`<h1>Activate your account</h1>
<p>Choose a password for <strong id="upn">${page.upn}</strong> and set up two-step sign-in.</p>
${page.error ? html`<p class="error" role="alert" id="error">${page.error}</p>` : ''}
<form method="post" action="${page.action}" autocomplete="off">
<input type="hidden" name="csrf" value="${page.csrfToken}">
<input type="text" name="username" value="${page.upn}" autocomplete="username" hidden>
<label for="password">New password (at least 12 characters)</label>
<input type="password" id="password" name="password" autocomplete="new-password" minlength="12" required autofocus>
<label for="confirm">Repeat the password</label>
<input type="password" id="confirm" name="confirm" autocomplete="new-password" minlength="12" required>
<p class="hint">Scan this code with an authenticator app, then enter the 6-digit code it shows.</p>
<div class="qr" id="qr">${trusted(page.qrSvg)}</div>
<p class="hint">Can't scan? Enter this key in the app:</p>
<p class="secret" id="secret">${page.secret}</p>
<label for="code">Verification code</label>
<input type="text" id="code" name="code" class="code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" autocomplete="one-time-code" required>
<button type="submit">Activate</button>
</form>`,
  });
}

export function renderActivatedPage(page: { readonly nonce: string; readonly organizationName: string | undefined; readonly upn: string }): string {
  return renderPage({
    title: 'Account activated',
    nonce: page.nonce,
    organizationName: page.organizationName,
    body: html`<h1>Your account is ready</h1>
<p id="activated">${page.upn} can now sign in to Microsoft 365 with the new password and the authenticator app.</p>`,
  });
}
