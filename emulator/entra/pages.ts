import type { AadstsError } from './aadsts.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}code{font-size:1.1em}</style>
</head><body><p><small>Microsoft 365 emulator (Lanyard test infrastructure)</small></p>
${body}
</body></html>`;
}

/** Entra-style error page; the code is in `#aadsts` for tests and browsers alike. */
export function errorPage(error: AadstsError): string {
  return page(
    'Sign-in error',
    `<h1>Sorry, but we're having trouble signing you in.</h1>
<p><code id="aadsts">${error.label}</code></p>
<p id="error-message">${escapeHtml(error.message)}</p>`,
  );
}

export function signInForm(action: string, loginHint: string): string {
  return page(
    'Sign in to your account',
    `<h1>Sign in</h1>
<form method="post" action="${escapeHtml(action)}">
<label for="login">Email, phone, or Skype</label>
<input id="login" name="login" type="email" autocomplete="username" value="${escapeHtml(loginHint)}" required>
<button id="next" type="submit">Next</button>
</form>`,
  );
}

/** Managed (cloud) domains: the emulator checks the password seeded for the user. */
export function passwordForm(action: string, login: string): string {
  return page(
    'Enter password',
    `<h1>Enter password</h1>
<p id="login-name">${escapeHtml(login)}</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="login" value="${escapeHtml(login)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="sign-in" type="submit">Sign in</button>
</form>`,
  );
}

/** An auto-submitting HTML form, as Entra uses for SAML HTTP-POST. */
export function autoPostForm(action: string, fields: Readonly<Record<string, string>>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return page(
    'Working...',
    `<form id="auto-post" method="post" action="${escapeHtml(action)}">
${inputs}
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.getElementById('auto-post').submit();</script>`,
  );
}

export interface SignedInView {
  readonly userPrincipalName: string;
  readonly objectId: string;
  readonly tenantId: string;
  readonly mfaSatisfiedByFederatedIdp: boolean;
  readonly protocol: string;
}

export function signedInPage(view: SignedInView): string {
  return page(
    'Signed in',
    `<h1>You're signed in</h1>
<dl>
<dt>User</dt><dd id="signed-in-upn">${escapeHtml(view.userPrincipalName)}</dd>
<dt>Object id</dt><dd id="signed-in-object-id">${escapeHtml(view.objectId)}</dd>
<dt>Tenant</dt><dd id="signed-in-tenant">${escapeHtml(view.tenantId)}</dd>
<dt>Protocol</dt><dd id="signed-in-protocol">${escapeHtml(view.protocol)}</dd>
<dt>MFA satisfied by the federated IdP</dt><dd id="mfa-satisfied">${view.mfaSatisfiedByFederatedIdp ? 'true' : 'false'}</dd>
</dl>`,
  );
}
