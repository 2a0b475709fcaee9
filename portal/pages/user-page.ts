import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { User } from '../../core/db/schema.ts';
import type { ActivationLink } from '../../provisioning/activation/activation-links.ts';
import type { SignInActivity } from '../views/sign-in-activity.ts';
import { formErrorSummary, keptValue, type FormRefusal } from '../form-refusal.ts';
import { badge, csrfField, notice, reauthField, time } from './parts.ts';

export interface UserPage {
  readonly slug: string;
  readonly user: User;
  readonly csrfToken: string;
  readonly freshSecondFactor: boolean;
  readonly mayEdit: boolean;
  readonly mayResetPassword: boolean;
  readonly mayDelete: boolean;
  readonly notice?: string | undefined;
  /** Right after adding or resetting: the activation link, shown this once. */
  readonly link?: ActivationLink | undefined;
  /** The person's recent sign-ins (absent when the admin may not read the audit log), and the next page's cursor. */
  readonly signIns?: { readonly activity: readonly SignInActivity[]; readonly next: string | null } | undefined;
  /** The edit form was refused for what was typed: shown on it, the name kept. */
  readonly editRefusal?: FormRefusal | undefined;
}

/** One account: its facts, and edit, reset password (activation link) and delete, as the role allows. */
export function userBody(page: UserPage): SafeHtml {
  const { user } = page;
  const base = `/admin/orgs/${page.slug}/users/${user.id}`;
  const local = user.source !== 'directory';
  return html`<h1>${user.upn}</h1>
${notice(page.notice)}
${page.link
  ? html`<div class="card" id="activation" role="status"><h2>Activation link</h2>
<p>Give this link to ${user.upn} (it is shown this once and works until ${time(page.link.expiresAt)}): they choose a password and set up an authenticator app there.</p>
<pre class="code" tabindex="0" aria-label="Activation link"><code id="activation-link">${page.link.url}</code></pre></div>`
  : ''}
<div class="card"><p>Status ${badge(user.status, user.status === 'active' ? 'ok' : user.status === 'disabled' ? 'bad' : 'warn')} · source ${user.source} · created ${time(user.createdAt)}</p>
<p class="hint">ImmutableID <code>${user.immutableId}</code></p></div>
${page.mayEdit && local
  ? html`<h2>Edit</h2><form class="filters card" method="post" action="${base}/edit" id="edit-user">${csrfField(page.csrfToken)}
${formErrorSummary(page.editRefusal, 'edit-error')}
<div><label for="display-name">Display name</label><input type="text" id="display-name" name="displayName" value="${page.editRefusal ? keptValue(page.editRefusal, 'displayName') : user.displayName ?? ''}" maxlength="256"></div>
<button type="submit">Save</button></form>`
  : ''}
${page.mayResetPassword && local && user.status !== 'disabled'
  ? html`<h2>Reset password</h2><form class="filters card" method="post" action="${base}/reset-password" id="reset-password">${csrfField(page.csrfToken)}
<p>The password and the authenticator app are removed and every session ends; the person activates the account again with a new link.</p>
${reauthField('reset-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit" class="danger">Reset password</button></form>`
  : ''}
${page.mayDelete
  ? html`<h2>Delete</h2><form class="filters card" method="post" action="${base}/delete" id="delete-user">${csrfField(page.csrfToken)}
<p>The account is deleted from Lanyard. Its audit events stay.</p>
${reauthField('delete-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit" class="danger">Delete ${user.upn}</button></form>`
  : ''}
${page.signIns ? signInsBody(base, page.signIns) : ''}
<p><a href="/admin/orgs/${page.slug}/users">Back to users</a></p>`;
}

const stepLabels: Record<string, string> = {
  password: 'Password',
  totp: 'Authenticator code',
  'totp-enrol': 'Authenticator set up',
  token: 'Signed in (token sent)',
  portal: 'Admin session started',
};

function signInsBody(base: string, signIns: NonNullable<UserPage['signIns']>): SafeHtml {
  return html`<h2 id="sign-ins-title">Sign-in activity</h2>
${signIns.activity.length
  ? html`<div class="table-wrap"><table id="sign-ins" class="stack" aria-labelledby="sign-ins-title"><thead><tr><th scope="col">Time</th><th scope="col">Step</th><th scope="col">Outcome</th><th scope="col">Signing in to</th><th scope="col">Address</th></tr></thead>
<tbody>${signIns.activity.map(
      (a) => html`<tr><td>${time(a.occurredAt)}</td><td data-label="Step" data-step="${a.step}">${stepLabels[a.step] ?? a.step}</td><td>${badge(a.outcome, a.outcome === 'success' ? 'ok' : 'bad')}${a.reason ? html` <code>${a.reason}</code>` : ''}</td><td data-label="Signing in to">${a.relyingParty ?? '—'}</td><td data-label="Address">${a.clientAddress ?? '—'}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="hint" id="sign-ins">No sign-in recorded yet.</p>`}
<div class="pager">${signIns.next ? html`<a class="button secondary" id="older-sign-ins" href="${base}?${new URLSearchParams({ before: signIns.next }).toString()}#sign-ins-title">Older sign-ins</a>` : ''}</div>`;
}

/** The add form on the users page. */
export function addUserForm(slug: string, csrfToken: string, refusal?: FormRefusal): SafeHtml {
  return html`<form class="filters card" method="post" action="/admin/orgs/${slug}/users" id="add-user">${csrfField(csrfToken)}
${formErrorSummary(refusal, 'add-user-error')}
<div><label for="new-upn">User name (UPN)</label><input type="email" id="new-upn" name="upn" required maxlength="256" autocomplete="off" value="${keptValue(refusal, 'upn')}"></div>
<div><label for="new-display-name">Display name</label><input type="text" id="new-display-name" name="displayName" maxlength="256" autocomplete="off" value="${keptValue(refusal, 'displayName')}"></div>
<button type="submit">Add user</button></form>`;
}

/** The add form again after a refusal (the users list's own form, on a page of its own). */
export function addUserRefusedBody(slug: string, csrfToken: string, refusal: FormRefusal): SafeHtml {
  return html`<h1>Add a user</h1>
${addUserForm(slug, csrfToken, refusal)}
<p><a href="/admin/orgs/${slug}/users">Back to users</a></p>`;
}
