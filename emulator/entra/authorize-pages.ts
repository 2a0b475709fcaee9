import type { AadstsError } from './aadsts.ts';
import { escapeHtml, page } from './pages.ts';

/**
 * The emulator's second factor: every user with MFA registered answers with this code (EMULATOR CHOICE:
 * a fixed code a browser test can type; Entra would send a push, SMS or TOTP prompt).
 */
export const emulatorMfaCode = '123456';

function hidden(requestId: string): string {
  return `<input type="hidden" name="request" value="${escapeHtml(requestId)}">`;
}

function errorLine(error: AadstsError | undefined): string {
  if (!error) return '';
  return `<p id="error-message" role="alert"><code id="error-code">${error.label}</code> ${escapeHtml(error.message)}</p>\n`;
}

/** User name and password in one form: `#login`, `#password`, `#sign-in`. */
export function credentialsPage(action: string, requestId: string, loginHint: string, error?: AadstsError): string {
  return page(
    'Sign in to your account',
    `<h1>Sign in</h1>
${errorLine(error)}<form method="post" action="${escapeHtml(action)}">
${hidden(requestId)}
<label for="login">Email, phone, or Skype</label>
<input id="login" name="login" type="email" autocomplete="username" value="${escapeHtml(loginHint)}" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="sign-in" type="submit">Sign in</button>
</form>`,
  );
}

/** The verification-code prompt: `#otc`, `#verify`. */
export function secondFactorPage(action: string, requestId: string, userPrincipalName: string, error?: AadstsError): string {
  return page(
    'Verify your identity',
    `<h1>Verify your identity</h1>
<p id="login-name">${escapeHtml(userPrincipalName)}</p>
${errorLine(error)}<p>Enter the code from your authenticator app. <small>(Emulator: the code is <code id="emulator-mfa-code">${emulatorMfaCode}</code>.)</small></p>
<form method="post" action="${escapeHtml(action)}">
${hidden(requestId)}
<label for="otc">Code</label>
<input id="otc" name="otc" inputmode="numeric" autocomplete="one-time-code" required>
<button id="verify" type="submit">Verify</button>
</form>`,
  );
}

/** Permissions requested: one `li.consent-scope` per scope, then `#accept` / `#cancel`. */
export function consentPage(action: string, requestId: string, appName: string, scopes: readonly string[]): string {
  const items = scopes.map((scope) => `<li class="consent-scope">${escapeHtml(scope)}</li>`).join('\n');
  return page(
    'Permissions requested',
    `<h1>Permissions requested</h1>
<p id="consent-app">${escapeHtml(appName)}</p>
<p>This app would like to:</p>
<ul id="consent-scopes">
${items}
</ul>
<form method="post" action="${escapeHtml(action)}">
${hidden(requestId)}
<button id="accept" name="decision" value="accept" type="submit">Accept</button>
<button id="cancel" name="decision" value="cancel" type="submit">Cancel</button>
</form>`,
  );
}
