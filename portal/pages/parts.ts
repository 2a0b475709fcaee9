import { html, type SafeHtml } from '../../core/pages/html.ts';

/** Small pieces every portal page uses. */
export const badge = (text: string, tone: 'ok' | 'warn' | 'bad' | '' = '') => html`<span class="badge ${tone}">${text}</span>`;
export const time = (iso: string | null) => (iso ? html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>` : html`<span class="hint">never</span>`);
export const csrfField = (token: string) => html`<input type="hidden" name="csrf" value="${token}">`;
export const notice = (text: string | undefined) => (text ? html`<p class="notice" role="status" id="notice">${text}</p>` : '');

/** The re-authentication field of a dangerous action's form, when the session's code is not fresh. */
export function reauthField(id: string, fresh: boolean, label = 'Your authenticator code'): SafeHtml | '' {
  return fresh ? '' : html`<div><label for="${id}">${label}</label><input type="text" id="${id}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required></div>`;
}
