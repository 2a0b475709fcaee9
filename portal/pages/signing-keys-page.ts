import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { RotationStep } from '../../idp/signing/rotation.ts';
import type { KeyView, SigningKeysView } from '../views/signing-keys.ts';
import { badge, csrfField, notice, reauthField, time } from './parts.ts';

const stepLabels: Record<RotationStep, { title: string; what: string }> = {
  'create-next': { title: '1. Create the next key', what: 'A new key is published (metadata, and nextSigningCertificate of every federated domain) but does not sign yet.' },
  activate: { title: '2. Activate it', what: 'The next key signs tokens; the old one stays trusted as "previous" for tokens in flight.' },
  'retire-previous': { title: '3. Retire the previous key', what: 'The old key is withdrawn everywhere, once every node\'s key cache has expired.' },
};

export interface SigningKeysPage {
  readonly view: SigningKeysView;
  readonly csrfToken: string;
  readonly freshSecondFactor: boolean;
  readonly mayRotate: boolean;
  readonly notice?: string | undefined;
}

export function signingKeysBody(page: SigningKeysPage): SafeHtml {
  const { view } = page;
  const nextStep = view.steps.find((step) => step.state === 'next')!.step;
  return html`<h1>Signing keys</h1>
${notice(page.notice)}
<div class="table-wrap"><table id="keys" class="stack"><caption class="visually-hidden">Signing keys by role</caption>
<thead><tr><th scope="col">Role</th><th scope="col">Thumbprint (SHA-256)</th><th scope="col">Valid until</th><th scope="col">Created</th><th scope="col">Activated</th></tr></thead>
<tbody>${(['current', 'next', 'previous'] as const).map((role) => keyRow(role, view[role]))}</tbody></table></div>
<h2>Rollover</h2>
<ol class="checklist" id="rollover">${view.steps.map((step) => html`<li class="${step.state === 'done' ? 'ok' : step.state === 'next' ? 'warn' : ''}" data-step="${step.step}" data-state="${step.state}"><strong>${stepLabels[step.step].title}</strong> ${badge(step.state === 'done' ? 'done' : step.state === 'next' ? 'next step' : 'later', step.state === 'done' ? 'ok' : step.state === 'next' ? 'warn' : '')}<br><span class="hint">${stepLabels[step.step].what}</span></li>`)}</ol>
${view.retireAllowedAt ? html`<p class="hint" id="retire-allowed">Retiring is allowed from ${time(view.retireAllowedAt)}.</p>` : ''}
${page.mayRotate
  ? html`<form class="filters card" method="post" action="/admin/keys/rotate" id="rotate">${csrfField(page.csrfToken)}
${reauthField('rotate-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit" class="danger">Run step: ${stepLabels[nextStep].title.slice(3)}</button>
</form>`
  : ''}`;
}

function keyRow(role: string, key: KeyView | null): SafeHtml {
  return html`<tr id="key-${role}"><td>${badge(role, role === 'current' ? 'ok' : '')}</td>${key
    ? html`<td data-label="Thumbprint"><code>${key.thumbprintSha256.slice(0, 32)}…</code></td><td data-label="Valid until">${time(key.notAfter)}</td><td data-label="Created">${time(key.createdAt)}</td><td data-label="Activated">${time(key.activatedAt)}</td>`
    : html`<td colspan="4" class="hint">none</td>`}</tr>`;
}
