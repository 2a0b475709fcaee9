import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { AuditEvent, Organization } from '../../core/db/schema.ts';
import type { GrantView } from '../admins.ts';
import type { AuditFilter } from '../views/audit.ts';
import type { OrganizationOverview } from '../views/organization-overview.ts';
import type { UserRow } from '../views/users.ts';
import { badge, csrfField, notice, time } from './parts.ts';
import { addUserForm } from './user-page.ts';

export function homeBody(organizations: readonly Organization[]): SafeHtml {
  return html`<h1>Organizations</h1>
${organizations.length
  ? html`<div class="table-wrap"><table><caption class="visually-hidden">Organizations you administer</caption>
<thead><tr><th scope="col">Organization</th><th scope="col">Slug</th><th scope="col">MFA policy</th></tr></thead>
<tbody>${organizations.map((o) => html`<tr><td><a href="/admin/orgs/${o.slug}">${o.name}</a></td><td>${o.slug}</td><td>${o.mfaPolicy}</td></tr>`)}</tbody></table></div>`
  : html`<p class="hint">No organization is in your scope yet.</p>`}`;
}

export interface MfaPolicyForm {
  readonly csrfToken: string;
  /** False when the change needs a fresh code: the form then asks for one. */
  readonly freshSecondFactor: boolean;
}

export function overviewBody(view: OrganizationOverview, mfaPolicyForm?: MfaPolicyForm, done?: string): SafeHtml {
  const run = view.lastRun;
  return html`<h1>${view.organization.name}</h1>
${notice(done)}
<div class="stats">
<div class="stat"><div class="value" id="users-total">${view.users.total}</div><div class="label">users (${view.users.active} active, ${view.users.disabled} disabled, ${view.users.pending} pending)</div></div>
<div class="stat"><div class="value">${view.domains.filter((d) => d.federated).length} / ${view.domains.length}</div><div class="label">domains federated</div></div>
<div class="stat"><div class="value">${view.agents.filter((a) => a.state === 'connected').length}</div><div class="label">directory agents connected</div></div>
<div class="stat"><div class="value">${view.organization.mfaPolicy}</div><div class="label">MFA policy</div></div>
</div>
${mfaPolicyForm ? mfaPolicyBody(view.organization.slug, view.organization.mfaPolicy, mfaPolicyForm) : ''}
${connectionBody(view.organization.slug, view.connection)}
<h2>Domains</h2>
<div class="table-wrap"><table id="domains" class="stack"><thead><tr><th scope="col">Domain</th><th scope="col">Federation</th><th scope="col">Protocol</th><th scope="col">MFA from Microsoft</th></tr></thead>
<tbody>${view.domains.map(
    (d) => html`<tr><td>${d.name}</td><td>${d.federated ? html`${badge('federated', 'ok')} <span class="hint">tenant ${d.tenantId}, since ${time(d.federatedAt)}</span>` : badge('managed', 'warn')}</td><td data-label="Protocol">${d.protocol}</td><td data-label="MFA from Microsoft">${d.mfaBehavior}</td></tr>`,
  )}</tbody></table></div>
<h2>Directory agents</h2>
${view.agents.length
  ? html`<div class="table-wrap"><table id="agents" class="stack"><thead><tr><th scope="col">Agent</th><th scope="col">State</th><th scope="col">Last seen</th><th scope="col">Last error</th></tr></thead>
<tbody>${view.agents.map((a) => html`<tr><td>${a.name}</td><td>${badge(a.state, a.state === 'connected' ? 'ok' : a.state === 'revoked' ? 'bad' : 'warn')}</td><td data-label="Last seen">${time(a.lastSeenAt)}</td><td data-label="Last error">${a.lastError ?? '—'}</td></tr>`)}</tbody></table></div>`
  : html`<p class="hint">No directory agent is registered.</p>`}
<h2>Last provisioning run</h2>
${run
  ? html`<div class="card" id="last-run"><p>${run.kind}${run.dryRun ? ' (dry run)' : ''} by ${run.trigger}: ${badge(run.status, run.status === 'completed' ? 'ok' : run.status === 'failed' ? 'bad' : 'warn')} <span class="hint">phase ${run.phase}</span></p>
<p class="hint">started ${time(run.createdAt)}, finished ${time(run.finishedAt)}</p>
<p>${Object.entries(run.counts).map(([outcome, count]) => html`${badge(`${outcome} ${count}`)} `)}</p>${run.error ? html`<p class="error">${run.error}</p>` : ''}</div>`
  : html`<p class="hint" id="last-run">No provisioning run yet.</p>`}`;
}

function mfaPolicyBody(slug: string, current: string, form: MfaPolicyForm): SafeHtml {
  return html`<h2>MFA policy</h2>
<form class="filters card" method="post" action="/admin/orgs/${slug}/mfa-policy" id="mfa-policy">
${csrfField(form.csrfToken)}
<div><label for="policy">Who must pass a TOTP code</label><select id="policy" name="policy">
<option value="required"${current === 'required' ? html` selected` : ''}>Everyone (required)</option>
<option value="optional"${current === 'optional' ? html` selected` : ''}>Only people who set up an authenticator (optional)</option>
</select></div>
${form.freshSecondFactor ? '' : html`<div><label for="policy-code">Your authenticator code</label><input type="text" id="policy-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required></div>`}
<button type="submit">Save MFA policy</button>
</form>`;
}

export interface UsersPage {
  readonly organization: Organization;
  readonly users: readonly UserRow[];
  readonly next: string | null;
  readonly search: string;
  readonly csrfToken: string;
  readonly mayChange: boolean;
  readonly mayResetMfa: boolean;
  readonly mayAdd: boolean;
  /** False when a reset needs a fresh code: its form then asks for one. */
  readonly freshSecondFactor: boolean;
  readonly notice?: string | undefined;
}

export function usersBody(page: UsersPage): SafeHtml {
  const base = `/admin/orgs/${page.organization.slug}/users`;
  return html`<h1>Users</h1>
${notice(page.notice)}
${page.mayResetMfa && !page.freshSecondFactor ? html`<p class="hint" id="reauth-hint">Resetting an authenticator asks for a fresh code from your own authenticator app.</p>` : ''}
<form class="filters" method="get" action="${base}" role="search">
<div><label for="q">Search by name or UPN</label><input type="search" id="q" name="q" value="${page.search}"></div>
<button type="submit">Search</button>
</form>
<div class="table-wrap"><table id="users" class="stack"><caption class="visually-hidden">Users of ${page.organization.name}</caption>
<thead><tr><th scope="col">User</th><th scope="col">Status</th><th scope="col">Authenticator</th>${page.mayChange || page.mayResetMfa ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
<tbody>${page.users.map((user) => userRow(page, base, user))}</tbody></table></div>
${page.users.length === 0 ? html`<p class="hint">No user matches.</p>` : ''}
<div class="pager">${page.next ? html`<a class="button secondary" id="next-page" href="${base}?${new URLSearchParams({ ...(page.search && { q: page.search }), after: page.next }).toString()}">Next page</a>` : ''}</div>
${page.mayAdd ? html`<h2>Add a user</h2>${addUserForm(page.organization.slug, page.csrfToken)}` : ''}`;
}

function userRow(page: UsersPage, base: string, user: UserRow): SafeHtml {
  const id = `user-${user.id}`;
  return html`<tr id="${id}"><td><strong><a href="${base}/${user.id}">${user.upn}</a></strong>${user.displayName ? html`<br><span class="hint">${user.displayName}</span>` : ''}<br><a href="${base}/${user.id}#sign-ins-title" aria-label="Sign-in activity of ${user.upn}">Sign-in activity</a></td>
<td>${badge(user.status, user.status === 'active' ? 'ok' : user.status === 'disabled' ? 'bad' : 'warn')}</td>
<td>${user.mfaEnrolled ? badge('enrolled', 'ok') : badge('not enrolled', 'warn')}</td>
${page.mayChange || page.mayResetMfa
  ? html`<td><div class="actions">
${page.mayChange
  ? html`<form method="post" action="${base}/${user.id}/${user.status === 'disabled' ? 'enable' : 'disable'}">${csrfField(page.csrfToken)}<button type="submit" class="${user.status === 'disabled' ? 'secondary' : 'danger'}" aria-label="${user.status === 'disabled' ? 'Enable' : 'Disable'} ${user.upn}">${user.status === 'disabled' ? 'Enable' : 'Disable'}</button></form>`
  : ''}
${page.mayResetMfa && user.mfaEnrolled
  ? html`<form method="post" action="${base}/${user.id}/reset-mfa">${csrfField(page.csrfToken)}${page.freshSecondFactor
      ? ''
      : html`<label class="visually-hidden" for="code-${user.id}">Your authenticator code to confirm</label><input type="text" id="code-${user.id}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" placeholder="your code" required>`}<button type="submit" class="danger" aria-label="Reset MFA of ${user.upn}">Reset MFA</button></form>`
  : ''}
</div></td>`
  : ''}</tr>`;
}

export interface AuditPage {
  readonly title: string;
  readonly base: string;
  readonly events: readonly AuditEvent[];
  readonly next: string | null;
  readonly filter: AuditFilter;
}

export function auditBody(page: AuditPage): SafeHtml {
  const filterParams = Object.fromEntries(Object.entries({ actor: page.filter.actor, action: page.filter.action, user: page.filter.user, from: page.filter.from, to: page.filter.to }).filter(([, v]) => v)) as Record<string, string>;
  return html`<h1>${page.title}</h1>
<form class="filters" method="get" action="${page.base}">
<div><label for="actor">Actor</label><input type="text" id="actor" name="actor" value="${page.filter.actor ?? ''}" placeholder="user:alice@"></div>
<div><label for="user">User (UPN)</label><input type="text" id="user" name="user" value="${page.filter.user ?? ''}" placeholder="alice@contoso.com"></div>
<div><label for="action">Action</label><input type="text" id="action" name="action" value="${page.filter.action ?? ''}" placeholder="user."></div>
<div><label for="from">From (UTC)</label><input type="datetime-local" id="from" name="from" value="${page.filter.from ?? ''}"></div>
<div><label for="to">To (UTC)</label><input type="datetime-local" id="to" name="to" value="${page.filter.to ?? ''}"></div>
<button type="submit">Filter</button>
<a class="button secondary" id="export-csv" href="${page.base}.csv?${new URLSearchParams(filterParams).toString()}">Export CSV</a>
</form>
<div class="table-wrap"><table id="audit" class="stack"><thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th></tr></thead>
<tbody>${page.events.map(
    (e) => html`<tr><td>${time(e.occurredAt)}</td><td data-label="Actor">${e.actor}</td><td data-label="Action">${e.action}</td><td data-label="Target">${e.target ?? '—'}</td><td>${badge(e.outcome, e.outcome === 'success' ? 'ok' : 'bad')}${e.reason ? html` <code>${e.reason}</code>` : ''}</td></tr>`,
  )}</tbody></table></div>
${page.events.length === 0 ? html`<p class="hint">No event matches.</p>` : ''}
<div class="pager">${page.next ? html`<a class="button secondary" id="next-page" href="${page.base}?${new URLSearchParams({ ...filterParams, before: page.next }).toString()}">Older events</a>` : ''}</div>`;
}

export function adminsBody(admins: readonly GrantView[]): SafeHtml {
  return html`<h1>Admins</h1>
<p class="hint">Roles are granted on the server: <code>lanyard admin grant &lt;upn&gt; --role …</code></p>
<div class="table-wrap"><table id="admins" class="stack"><thead><tr><th scope="col">Account</th><th scope="col">Role</th><th scope="col">Scope</th><th scope="col">Granted</th></tr></thead>
<tbody>${admins.map((a) => html`<tr><td>${a.upn}</td><td>${a.role}</td><td>${a.organization ?? (a.partner ? `${a.partner}${a.reseller ? ` / ${a.reseller}` : ''}` : 'everything')}</td><td>${a.grantedBy}, ${time(a.grantedAt)}</td></tr>`)}</tbody></table></div>`;
}

const holderNames = { 'app-registration': 'the organization\u2019s app registration', customer: 'the CSP customer\u2019s own refresh token', partner: 'the CSP partner\u2019s refresh token' } as const;

/** Token health: which credential reaches the tenant and its state, with what to do. */
function connectionBody(slug: string, connection: OrganizationOverview['connection']): SafeHtml {
  const token = connection.token;
  const tone = !token ? 'warn' : token.state === 'valid' ? 'ok' : token.state === 'client-secret' || token.state === 'expiring' ? 'warn' : 'bad';
  return html`<h2>Token health</h2>
<div class="card" id="token-health">
${token
  ? html`<p>Microsoft 365 is reached through ${holderNames[token.holder]}: ${badge(token.state, tone)}${token.code ? html` <code>${token.code}</code>` : ''}</p>
<p>${token.explanation}</p>${token.remediation ? html`<p class="hint">${token.remediation}</p>` : ''}`
  : html`<p>${badge('not connected', 'warn')} Lanyard has no way into this organization\u2019s tenant yet: federation and provisioning need one.</p>`}
<p><a href="/admin/orgs/${slug}/tenant">Tenant connection and "Test connection"</a></p>
</div>`;
}
