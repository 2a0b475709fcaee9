import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { SyncSettings } from '../../csp/data/sync-settings.ts';
import type { CspPartner } from '../../csp/data/tables.ts';
import type { PartnerSyncJobView } from '../../csp/jobs/partner-sync-job.ts';
import type { SyncErrorView } from '../../csp/sync/sync-errors-view.ts';
import { formErrorSummary, type FormRefusal } from '../form-refusal.ts';
import { badge, csrfField, notice, time } from '../pages/parts.ts';
import { cspPaths } from './csp-routes.ts';

export interface SyncPage {
  readonly partner: CspPartner;
  readonly settings: SyncSettings;
  readonly job: PartnerSyncJobView | undefined;
  readonly errors: readonly SyncErrorView[];
  readonly csrfToken: string;
  /** Change the settings (the partner's connection: csp.partner.manage). */
  readonly mayConfigure: boolean;
  readonly mayRun: boolean;
  readonly notice?: string | undefined;
  /** The settings form was refused for what was typed: shown on it, the values kept. */
  readonly refusal?: FormRefusal | undefined;
}

const jobTone = (state: PartnerSyncJobView['state']) => (state === 'succeeded' ? 'ok' : state === 'failed' || state === 'cancelled' ? 'bad' : 'warn');
const onOff = (name: string, id: string, label: string, value: boolean, enabled: boolean) =>
  html`<div><label for="${id}">${label}</label><select id="${id}" name="${name}"${enabled ? '' : html` disabled`}><option value="on"${value ? html` selected` : ''}>on</option><option value="off"${value ? '' : html` selected`}>off</option></select></div>`;

/** The recurring import of a partner: its settings, "Run sync now" with the job's state, and the error table. */
export function syncBody(page: SyncPage): SafeHtml {
  const base = cspPaths.sync(page.partner);
  const { settings, job, refusal } = page;
  // After a refusal the form shows what was typed; otherwise the saved settings.
  const typed = (name: string, saved: string) => refusal?.values.get(name) ?? (refusal ? '' : saved);
  const typedOn = (name: string, saved: boolean) => (refusal ? refusal.values.get(name) === 'on' : saved);
  const disabled = page.mayConfigure ? '' : html` disabled`;
  return html`<h1>Sync &amp; errors · ${page.partner.slug}</h1>
${notice(page.notice)}
<section class="card" id="sync-run" aria-labelledby="sync-run-title">
<h2 id="sync-run-title">Recurring import</h2>
<p class="hint">Customers from Partner Center, each customer's DAP or GDAP relationship, then its licences and users from Microsoft Graph. Lanyard runs it every 6 hours; run it now here.</p>
${job
  ? html`<dl class="facts" id="sync-job">
<dt>Last run asked</dt><dd>${badge(job.state, jobTone(job.state))} ${time(job.createdAt)} <span class="hint">by ${job.requestedBy}</span></dd>
<dt>Started</dt><dd>${time(job.startedAt)}</dd>
<dt>Finished</dt><dd>${job.finishedAt ? time(job.finishedAt) : html`<span class="hint">not yet</span>`}</dd>
${job.result ? html`<dt>Result</dt><dd id="sync-result">${job.result.counts.customers} customers (${job.result.counts.dap} DAP, ${job.result.counts.gdap} GDAP), ${job.result.counts.users} users, ${job.result.counts.billable} billable; ${job.result.counts.failed} with errors${job.result.customersImported ? '' : '; the customer list could not be read'}${job.result.relationshipsRead ? '' : '; the GDAP relationships could not be read'}</dd>` : ''}
${job.errorCode ? html`<dt>Error</dt><dd><code>${job.errorCode}</code> ${job.errorMessage}</dd>` : ''}
</dl>${job.state === 'queued' || job.state === 'running' ? html`<p><a href="${base}" id="refresh">Refresh to see its progress</a></p>` : ''}`
  : html`<p class="hint" id="sync-job">Not run from the portal yet.</p>`}
${page.mayRun
  ? html`<form method="post" action="${base}/run" id="run-sync">${csrfField(page.csrfToken)}<button type="submit"${job && (job.state === 'queued' || job.state === 'running') ? html` disabled` : ''}>Run sync now</button></form>`
  : ''}
</section>
<h2>Errors</h2>
${page.errors.length
  ? html`<div class="table-wrap"><table id="sync-errors" class="stack"><caption class="visually-hidden">Sync errors by customer and step</caption>
<thead><tr><th scope="col">Customer</th><th scope="col">Step</th><th scope="col">Code</th><th scope="col">Message and remediation</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">Count</th></tr></thead>
<tbody>${page.errors.map((error) => html`<tr><td>${error.customer ?? html`<span class="hint">partner</span>`}</td><td data-label="Step">${error.step}</td><td data-label="Code"><code>${error.code}</code></td>
<td data-label="Message">${error.message}${error.remediation ? html`<br><span class="hint">Fix: ${error.remediation}</span>` : ''}</td>
<td data-label="First seen">${time(error.firstSeenAt)}</td><td data-label="Last seen">${time(error.lastSeenAt)}</td><td data-label="Count">${error.count}</td></tr>`)}</tbody></table></div>`
  : html`<p class="hint" id="sync-errors">No error: every step of the last sync worked.</p>`}
<h2>Settings</h2>
<form class="card" method="post" action="${base}/settings" id="sync-settings">${csrfField(page.csrfToken)}
${formErrorSummary(refusal, 'sync-settings-error')}
<div class="fields">
<div><label for="sync-match">Match users by object id, then by</label><input type="text" id="sync-match" name="match" value="${typed('match', settings.matchFields.join(','))}" maxlength="40"${disabled} aria-describedby="sync-match-hint"><span class="hint" id="sync-match-hint">upn, mail, login, in the order to try</span></div>
${onOff('ignoreAccountEnabled', 'sync-ignore-enabled', 'Ignore accountEnabled (disabled accounts stay billable)', typedOn('ignoreAccountEnabled', settings.ignoreAccountEnabled), page.mayConfigure)}
<div><label for="sync-group">Billing group (others are service users)</label><input type="text" id="sync-group" name="billingGroup" value="${typed('billingGroup', settings.billingGroup ?? '')}" maxlength="256" placeholder="none"${disabled}></div>
<div><label for="sync-skus">Billing licences (skuIds; users without one are service users)</label><input type="text" id="sync-skus" name="billingLicences" value="${typed('billingLicences', settings.billingSkuIds.join(','))}" placeholder="any"${disabled}></div>
${onOff('signInActivity', 'sync-sign-in', 'Read sign-in activity (needs Entra ID P1)', typedOn('signInActivity', settings.signInActivity), page.mayConfigure)}
</div>
${page.mayConfigure ? html`<button type="submit">Save settings</button>` : html`<p class="hint">Only the partner's admins change these.</p>`}
</form>`;
}
