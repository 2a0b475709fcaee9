import { html, trusted } from '../../../core/pages/html.ts';
import { renderPage } from '../../../core/pages/layout.ts';

/** The organization a sign-in page shows: the page's own (from its domain), never the typed name's. */
export interface PageOrganization {
  readonly organizationName?: string | undefined;
  readonly organizationLogo?: { readonly url: string; readonly width: number; readonly height: number } | undefined;
}

interface Common extends PageOrganization {
  readonly nonce: string;
  readonly csrfToken: string;
  readonly action: string;
  readonly error?: string | undefined;
}

const errorBox = (error: string | undefined) => (error ? html`<p class="error" role="alert" id="error">${error}</p>` : '');
const csrfField = (token: string) => html`<input type="hidden" name="csrf" value="${token}">`;

/** Where the sign-in leads, said on the password page: taken from the request's protocol. */
export type SignInDestination = 'microsoft-365' | 'admin-portal';

const destinationText: Record<SignInDestination, string> = {
  'microsoft-365': 'Use your work account to continue to Microsoft 365.',
  'admin-portal': 'Use your work account to sign in to the Lanyard admin portal.',
};

/** Step 1: user name and password. The user name comes prefilled from Microsoft's `username` hint. */
export function renderPasswordPage(page: Common & { readonly username: string; readonly destination: SignInDestination }): string {
  return renderPage({
    title: 'Sign in',
    nonce: page.nonce,
    organizationName: page.organizationName,
    organizationLogo: page.organizationLogo,
    body: html`<h1>Sign in</h1>
<p id="destination">${destinationText[page.destination]}</p>
${errorBox(page.error)}
<form method="post" action="${page.action}" autocomplete="on">
${csrfField(page.csrfToken)}
<label for="username">Email or user name</label>
<input type="email" id="username" name="username" value="${page.username}" autocomplete="username" required ${page.username ? '' : 'autofocus'}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required ${page.username ? 'autofocus' : ''}>
<button type="submit">Sign in</button>
</form>`,
  });
}

/** Step 2: the TOTP code from the user's authenticator app. */
export function renderTotpPage(page: Common & { readonly upn: string }): string {
  return renderPage({
    title: 'Verify your identity',
    nonce: page.nonce,
    organizationName: page.organizationName,
    organizationLogo: page.organizationLogo,
    body: html`<h1>Enter your code</h1>
<p>Open your authenticator app and enter the 6-digit code for <strong>${page.upn}</strong>.</p>
${errorBox(page.error)}
<form method="post" action="${page.action}" autocomplete="off">
${csrfField(page.csrfToken)}
<label for="code">Verification code</label>
<input type="text" id="code" name="code" class="code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" autocomplete="one-time-code" required autofocus>
<button type="submit">Verify</button>
</form>`,
  });
}

/** First sign-in without an authenticator: scan the QR code, then prove it with a first code. */
export function renderEnrolPage(page: Common & { readonly upn: string; readonly qrSvg: string; readonly secret: string }): string {
  return renderPage({
    title: 'Set up your authenticator app',
    nonce: page.nonce,
    organizationName: page.organizationName,
    organizationLogo: page.organizationLogo,
    body: html`<h1>Set up two-step sign-in</h1>
<p>Your organization requires a second step. Scan this code with an authenticator app (Microsoft Authenticator, Google Authenticator, 1Password…), then enter the 6-digit code it shows.</p>
${errorBox(page.error)}
<div class="qr" id="qr">${trusted(page.qrSvg)}</div>
<p class="hint">Can't scan? Enter this key in the app:</p>
<p class="secret" id="secret">${page.secret}</p>
<form method="post" action="${page.action}" autocomplete="off">
${csrfField(page.csrfToken)}
<label for="code">Verification code</label>
<input type="text" id="code" name="code" class="code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" autocomplete="one-time-code" required>
<button type="submit">Verify and continue</button>
</form>`,
  });
}

/**
 * The form that carries the token to Microsoft: auto-submitted by script, with a button for
 * browsers without JavaScript. `fields` are the protocol's form fields (escaped here).
 */
export function renderPostFormPage(page: { readonly nonce: string; readonly action: string; readonly fields: Readonly<Record<string, string>> }): string {
  return renderPage({
    title: 'Signing you in',
    nonce: page.nonce,
    body: html`<h1>Signing you in…</h1>
<form method="post" action="${page.action}" id="token-form">
${Object.entries(page.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<noscript><p>Select Continue to finish signing in.</p><button type="submit">Continue</button></noscript>
</form>`,
    script: 'document.getElementById("token-form").submit();',
  });
}

/** WS-Fed sign-out: the session is gone; an image asks Microsoft to clean up its side too. */
export function renderSignedOutPage(page: { readonly nonce: string; readonly cleanupUrl: string }): string {
  return renderPage({
    title: 'Signed out',
    nonce: page.nonce,
    body: html`<h1>You have signed out</h1>
<p>You can close this window.</p>
<img src="${page.cleanupUrl}" alt="" width="1" height="1">`,
  });
}
