import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { AgentStatus, AgentSummary } from '../../agent/server/admin.ts';
import { formErrorSummary, keptValue, type FormRefusal } from '../form-refusal.ts';
import { badge, csrfField, notice, reauthField, time } from './parts.ts';

export interface AgentsPage {
  readonly slug: string;
  readonly status: AgentStatus;
  readonly csrfToken: string;
  readonly mayManage: boolean;
  readonly mayConfirmDeletions: boolean;
  /** May change the deletion guard's threshold (re-authenticated). */
  readonly mayThreshold: boolean;
  readonly freshSecondFactor: boolean;
  /** A refused form (register, or the threshold): shown on that form with what was typed. */
  readonly refusal?: { readonly form: 'register' | 'threshold'; readonly refusal: FormRefusal } | undefined;
  readonly notice?: string | undefined;
  /** Right after registering: the agent's key, shown this once. */
  readonly newKey?: { readonly name: string; readonly key: string } | undefined;
}

const agentState = (agent: AgentSummary) => (agent.revokedAt ? badge('revoked', 'bad') : agent.connected ? badge('connected', 'ok') : agent.lastSeenAt ? badge('not connected', 'warn') : badge('never seen', 'warn'));

export function agentsBody(page: AgentsPage): SafeHtml {
  const base = `/admin/orgs/${page.slug}/agents`;
  const { status } = page;
  const last = status.lastSync;
  const guard = status.deletionGuard;
  return html`<h1>Directory agents</h1>
${notice(page.notice)}
${page.newKey
  ? html`<div class="card" id="new-agent-key" role="status"><h2>Key of ${page.newKey.name}</h2>
<p>Copy it into the agent's configuration now: it is shown this once and stored only as a hash.</p>
<pre class="code" tabindex="0" aria-label="Agent key"><code id="agent-key">${page.newKey.key}</code></pre></div>`
  : ''}
<div class="table-wrap"><table id="agents" class="stack"><caption class="visually-hidden">Directory agents</caption>
<thead><tr><th scope="col">Agent</th><th scope="col">State</th><th scope="col">Last seen</th><th scope="col">Last error</th>${page.mayManage ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
<tbody>${status.agents.map((agent) => html`<tr id="agent-${agent.id}"><td>${agent.name}${agent.version ? html`<br><span class="hint">version ${agent.version}</span>` : ''}</td><td>${agentState(agent)}</td>
<td data-label="Last seen">${time(agent.lastSeenAt)}</td><td data-label="Last error">${agent.lastError ? html`<code>${agent.lastError.code}</code> ${agent.lastError.message}` : '—'}</td>
${page.mayManage ? html`<td>${agent.revokedAt ? '' : html`<form method="post" action="${base}/${agent.id}/revoke">${csrfField(page.csrfToken)}<button type="submit" class="danger" aria-label="Revoke ${agent.name}">Revoke</button></form>`}</td>` : ''}</tr>`)}</tbody></table></div>
${status.agents.length === 0 ? html`<p class="hint">No directory agent is registered.</p>` : ''}
<h2>Last sync</h2>
${status.syncing ? html`<p class="notice" id="syncing">A ${status.syncing.mode ?? ''} sync is running since ${time(status.syncing.startedAt)}.</p>` : ''}
${last
  ? html`<div class="card" id="last-sync"><p>${last.mode ?? ''} sync: ${badge(last.outcome ?? 'unknown', last.outcome === 'success' ? 'ok' : last.outcome === 'guarded' ? 'warn' : 'bad')} <span class="hint">finished ${time(last.finishedAt)}</span></p>
<p>${Object.entries(last.counts).map(([outcome, count]) => html`${badge(`${outcome} ${count}`)} `)}</p>
${last.errors.length ? html`<ul class="checklist" id="sync-errors">${last.errors.map((error) => html`<li class="bad"><code>${error.code}</code> ${error.message}${error.dn ? html` <span class="hint">(${error.dn})</span>` : ''}</li>`)}</ul>` : ''}</div>`
  : html`<p class="hint" id="last-sync">No sync yet.</p>`}
<h2>Deletion guard</h2>
<div class="card" id="deletion-guard"><p>A sync that would disable more than <strong>${guard.threshold}</strong> accounts stops and waits for an admin.</p>
${guard.pendingDeletions !== null
  ? html`<p class="error" role="alert" id="pending-deletions">The last sync wanted to disable ${guard.pendingDeletions} accounts and was stopped.${guard.confirmedDeletions !== null ? html` Confirmed: up to ${guard.confirmedDeletions}; the next sync applies them.` : ''}</p>
${page.mayConfirmDeletions && guard.confirmedDeletions === null
  ? html`<form method="post" action="${base}/confirm-deletions" id="confirm-deletions" class="filters">${csrfField(page.csrfToken)}
${reauthField('deletions-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit" class="danger">Confirm ${guard.pendingDeletions} deletions</button></form>`
  : ''}`
  : html`<p class="hint">No deletion is waiting.</p>`}
${page.mayThreshold ? thresholdForm(page, base) : ''}</div>
${page.mayManage
  ? html`<h2>Register an agent</h2>
<form class="filters card" method="post" action="${base}" id="register-agent">${csrfField(page.csrfToken)}
${formErrorSummary(refusalOf(page, 'register'), 'register-error')}
<div><label for="agent-name">Agent name</label><input type="text" id="agent-name" name="name" required maxlength="100" autocomplete="off" placeholder="dc1-agent" value="${keptValue(refusalOf(page, 'register'), 'name')}"></div>
<button type="submit">Register agent</button></form>`
  : ''}`;
}

const refusalOf = (page: AgentsPage, form: 'register' | 'threshold') => (page.refusal?.form === form ? page.refusal.refusal : undefined);

/** The threshold as `lanyard agent set-deletion-threshold` sets it, with a fresh authenticator code. */
function thresholdForm(page: AgentsPage, base: string): SafeHtml {
  const refusal = refusalOf(page, 'threshold');
  const value = refusal ? keptValue(refusal, 'threshold') : String(page.status.deletionGuard.threshold);
  return html`<form method="post" action="${base}/deletion-threshold" class="filters" id="deletion-threshold-form">${csrfField(page.csrfToken)}
${formErrorSummary(refusal, 'threshold-error')}
<div><label for="deletion-threshold">Accounts a sync may disable without confirmation</label><input type="text" id="deletion-threshold" name="threshold" inputmode="numeric" maxlength="7" required value="${value}"></div>
${reauthField('deletion-threshold-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit">Save threshold</button></form>`;
}
