import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { customerAccessStatus } from '../../csp/access/customer-access-admin.ts';
import { badge, csrfField, time } from '../pages/parts.ts';
import { tokenTone } from './csp-pages.ts';

export type AccessStatus = Awaited<ReturnType<typeof customerAccessStatus>>;

/** What the last button pressed gave: a check's answer, a mailed invitation, a link to copy, or a refusal. */
export type AccessOutcome =
  | { readonly kind: 'check'; readonly action: 'validate' | 'refresh'; readonly ok: boolean; readonly tokenSource: string; readonly code: string | null; readonly message: string | null; readonly remediation: string | null }
  | { readonly kind: 'invited'; readonly to: string; readonly expiresAt: string }
  | { readonly kind: 'link'; readonly url: string; readonly expiresAt: string }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string };

const consentTone = (state: string) => (state === 'granted' || state === 'not-needed' ? 'ok' : state === 'needed' ? 'warn' : state === 'denied' ? 'bad' : '');

function outcomeBlock(outcome: AccessOutcome | undefined): SafeHtml | '' {
  if (!outcome) return '';
  switch (outcome.kind) {
    case 'check':
      return outcome.ok
        ? html`<p class="notice" role="status" id="access-outcome">${outcome.action === 'validate' ? 'Authentication works: token and Graph answered' : 'Token refreshed'} with the ${outcome.tokenSource}\u2019s token.</p>`
        : html`<div class="error" role="alert" id="access-outcome"><p><code>${outcome.code}</code> ${outcome.message}</p>${outcome.remediation ? html`<p>${outcome.remediation}</p>` : ''}</div>`;
    case 'invited':
      return html`<p class="notice" role="status" id="access-outcome">Invitation mailed to ${outcome.to}; the link works until ${time(outcome.expiresAt)}.</p>`;
    case 'link':
      return html`<div class="notice" role="status" id="access-outcome"><label for="consent-link">Consent link (copy it now; it is shown once, works until ${outcome.expiresAt.slice(0, 10)})</label>
<input type="text" id="consent-link" readonly value="${outcome.url}"></div>`;
    case 'refused':
      return html`<p class="error" role="alert" id="access-outcome"><code>${outcome.code}</code> ${outcome.message}</p>`;
  }
}

/**
 * Customer access: the relationship (DAP / GDAP, roles missing), the tenant admin's consent, the
 * customer's own token when it holds one (else the partner's is used), and the four actions.
 */
export function accessBody(page: { readonly status: AccessStatus; readonly action: string; readonly csrfToken: string; readonly email: string | null; readonly outcome?: AccessOutcome | undefined }): SafeHtml {
  const { status } = page;
  const token = status.token;
  const button = (name: string, label: string) => html`<form method="post" action="${page.action}">${csrfField(page.csrfToken)}<input type="hidden" name="do" value="${name}"><button type="submit" id="access-${name}">${label}</button></form>`;
  return html`<h1>Customer access</h1>
${outcomeBlock(page.outcome)}
<section class="card" id="access-relationship" aria-labelledby="access-relationship-title">
<h2 id="access-relationship-title">Relationship</h2>
<p>${status.relationship ? badge(status.relationship.toUpperCase()) : badge('not checked yet', 'warn')} through partner ${status.partner}</p>
${status.gdap
  ? html`<dl class="facts"><dt>GDAP relationship</dt><dd><code>${status.gdap.id}</code> ${status.gdap.status}</dd><dt>Ends</dt><dd>${time(status.gdap.endsAt)}</dd>
<dt>Roles missing</dt><dd id="access-missing-roles">${status.gdap.missingRoles.length ? status.gdap.missingRoles.join(', ') : 'none'}</dd></dl>`
  : html`<p class="hint">${status.relationship ? 'DAP: the partner acts as an admin of the tenant.' : html`Run the sync (<code>lanyard csp sync</code>) to read the relationship.`}</p>`}
</section>
<section class="card" id="access-consent" aria-labelledby="access-consent-title">
<h2 id="access-consent-title">Tenant consent</h2>
<p>${badge(status.consent.state, consentTone(status.consent.state))}${status.consent.at ? html` since ${time(status.consent.at)}` : ''}</p>
${status.consent.error ? html`<p class="hint">${status.consent.error}</p>` : ''}
</section>
<section class="card" id="access-token" aria-labelledby="access-token-title">
<h2 id="access-token-title">Token</h2>
<p>${status.tokenSource === 'customer' ? 'Calls into this tenant use the customer\u2019s own refresh token' : 'Calls into this tenant use the partner\u2019s refresh token; the customer holds none of its own'}.</p>
<p>Customer\u2019s own token: ${badge(token.state, tokenTone(token.state))}${token.code ? html` <code>${token.code}</code>` : ''}</p>
<p>${token.explanation}</p>
${token.remediation ? html`<p class="hint">${token.remediation}</p>` : ''}
<dl class="facts">
<dt>Consented by</dt><dd>${token.consentUpn ?? '—'}</dd>
<dt>Last used</dt><dd>${time(token.lastUsedAt)}</dd>
<dt>Entra revokes it if unused until</dt><dd>${time(token.expiresAt)}</dd>
<dt>Stored in</dt><dd>${token.storage === 'key-vault' ? 'Azure Key Vault' : token.storage === 'database' ? 'Lanyard\u2019s database (encrypted)' : '—'}</dd>
</dl>
</section>
<section class="card" id="access-actions" aria-labelledby="access-actions-title">
<h2 id="access-actions-title">Actions</h2>
<form method="post" action="${page.action}">${csrfField(page.csrfToken)}<input type="hidden" name="do" value="invite">
<label for="invite-to">Send the consent wizard to an admin of the tenant</label>
<input type="email" id="invite-to" name="to" value="${page.email ?? ''}" required>
<button type="submit" id="access-invite">Send invitation</button></form>
${button('link', 'Copy consent link')}
${button('validate', 'Validate authentication')}
${button('refresh', 'Refresh token now')}
</section>`;
}
