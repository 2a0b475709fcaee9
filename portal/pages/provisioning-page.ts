import { html, type SafeHtml } from '../../core/pages/html.ts';
import { provisioningOutcomes } from '../../provisioning/data/tables.ts';
import type { RunReport } from '../../provisioning/runs/run-admin.ts';
import type { ResultFilter } from '../views/provisioning.ts';
import type { LicencesView, ProvisioningSettingsView } from '../views/provisioning-settings.ts';
import { liveProgressPath } from './live-progress.ts';
import { formErrorSummary, keptValue, type FormRefusal } from '../form-refusal.ts';
import { badge, csrfField, notice, reauthField, time } from './parts.ts';

const statusTone = (status: string) => (status === 'completed' ? 'ok' : status === 'failed' || status === 'stopped' ? 'bad' : 'warn');
const statusBadge = (status: string, id?: string) => html`<span class="badge ${statusTone(status)}"${id ? html` id="${id}"` : ''}>${status}</span>`;
const accountsText = (count: number) => `${count} account${count === 1 ? '' : 's'}`;
const counts = (report: RunReport) => provisioningOutcomes.filter((outcome) => report.counts[outcome]).map((outcome) => html`${badge(`${outcome} ${report.counts[outcome]}`)} `);

export interface ProvisioningPage {
  readonly slug: string;
  readonly runs: readonly RunReport[];
  readonly settings: ProvisioningSettingsView;
  readonly licences: LicencesView;
  readonly csrfToken: string;
  readonly mayRun: boolean;
  readonly maySettings: boolean;
  readonly mayThreshold: boolean;
  readonly freshSecondFactor: boolean;
  readonly notice?: string | undefined;
  /** A refused settings form (the threshold, or the default licences): shown on it with what was typed. */
  readonly refusal?: { readonly form: 'threshold' | 'licences'; readonly refusal: FormRefusal } | undefined;
}

const refusalOf = (page: ProvisioningPage, form: 'threshold' | 'licences') => (page.refusal?.form === form ? page.refusal.refusal : undefined);

export function provisioningBody(page: ProvisioningPage): SafeHtml {
  const base = `/admin/orgs/${page.slug}/provisioning`;
  return html`<h1>Provisioning</h1>
${notice(page.notice)}
${page.mayRun
  ? html`<div class="card"><p>Start with a dry run: it reads the tenant and shows what would change, account by account, and writes nothing. The real run is started from its report.</p>
<div class="actions">${(['import', 'export'] as const).map((kind) => html`<form method="post" action="${base}/runs">${csrfField(page.csrfToken)}<input type="hidden" name="kind" value="${kind}"><input type="hidden" name="dryRun" value="1"><button type="submit" class="secondary">Dry run ${kind}</button></form>`)}</div></div>`
  : ''}
<h2>Runs</h2>
<div class="table-wrap"><table id="runs" class="stack"><caption class="visually-hidden">Provisioning runs, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Outcomes</th><th scope="col">Started</th></tr></thead>
<tbody>${page.runs.map((run) => html`<tr><td><a href="${base}/runs/${run.id}">${run.kind}${run.dryRun ? ' (dry run)' : ''}</a><br><span class="hint">by ${run.requestedBy}</span></td><td>${statusBadge(run.status)} <span class="hint">${run.phase}</span></td><td data-label="Outcomes">${counts(run)}</td><td data-label="Started">${time(run.createdAt)}</td></tr>`)}</tbody></table></div>
${page.runs.length === 0 ? html`<p class="hint">No provisioning run yet.</p>` : ''}
${thresholdSection(page, base)}
${autoProvisioningSection(page, base)}
${licencesSection(page, base)}`;
}

function thresholdSection(page: ProvisioningPage, base: string): SafeHtml {
  return html`<h2 id="threshold-heading">Deletion threshold</h2>
<div class="card" id="threshold"><p>A run that would disable more than <strong id="threshold-value">${String(page.settings.deletionThreshold)}</strong> account${page.settings.deletionThreshold === 1 ? '' : 's'} stops before it changes anything. It runs only once an admin has reviewed its dry run and confirmed with a fresh authenticator code.</p>
${page.mayThreshold
  ? html`<form method="post" action="${base}/threshold" class="filters" id="threshold-form">${csrfField(page.csrfToken)}
${formErrorSummary(refusalOf(page, 'threshold'), 'threshold-error')}
<div><label for="threshold-input">Accounts a run may disable without confirmation</label><input type="text" id="threshold-input" name="threshold" inputmode="numeric" pattern="[0-9]{1,7}" maxlength="7" required value="${refusalOf(page, 'threshold') ? keptValue(refusalOf(page, 'threshold'), 'threshold') : String(page.settings.deletionThreshold)}"></div>
${reauthField('threshold-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit">Save threshold</button></form>`
  : ''}</div>`;
}

function autoProvisioningSection(page: ProvisioningPage, base: string): SafeHtml {
  const on = page.settings.autoProvisioning;
  return html`<h2>Auto-provisioning</h2>
<div class="card" id="auto-provisioning"><p>Auto-provisioning is ${on ? badge('on', 'ok') : badge('off')}${on && page.settings.autoSince ? html` <span class="hint">since ${time(page.settings.autoSince)}</span>` : ''}.</p>
<p class="hint">When it is on, Lanyard exports each new or changed account (pending ones excepted) to the tenant within seconds of the change, with the default licences below, as runs of its own listed above. It starts from the moment it is turned on: accounts changed before need one export run. A disabled account is turned off in the tenant too, behind the deletion threshold: a run stopped by it turns auto-provisioning off until an admin has confirmed an export and turned it on again.</p>
${page.maySettings
  ? html`<form method="post" action="${base}/auto" id="auto-form">${csrfField(page.csrfToken)}<input type="hidden" name="state" value="${on ? 'off' : 'on'}"><button type="submit"${on ? html` class="secondary"` : ''}>Turn auto-provisioning ${on ? 'off' : 'on'}</button></form>`
  : ''}</div>`;
}

function licencesSection(page: ProvisioningPage, base: string): SafeHtml {
  const { licences, settings } = page;
  const heading = html`<h2>Default licences</h2>
<p class="hint">Every account an export creates gets these licences, when a seat is free (seats read from the tenant just now). Microsoft licenses only accounts with a usage location.</p>`;
  if (!licences.available) {
    return html`${heading}<div class="card" id="licences"><p class="error" id="licences-error"><code>${licences.error.code}</code> ${licences.error.message}</p>
${settings.defaultLicences.length > 0 ? html`<p>Chosen: ${settings.defaultLicences.map((licence) => html`${badge(licence.skuPartNumber)} `)}</p>` : ''}</div>`;
  }
  const editable = page.maySettings;
  const typed = refusalOf(page, 'licences');
  const ticked = (skuId: string, isDefault: boolean) => (typed ? typed.values.get(`sku:${skuId}`) === '1' : isDefault);
  const rows = licences.skus.map((sku, index) => html`<tr><td>${editable
    ? html`<label><input type="checkbox" name="sku:${sku.skuId}" value="1"${ticked(sku.skuId, sku.isDefault) ? html` checked` : ''} id="sku-${String(index)}"> ${sku.skuPartNumber}</label>`
    : html`${sku.skuPartNumber}${sku.isDefault ? html` ${badge('default', 'ok')}` : ''}`}</td>
<td data-label="Seats">${String(sku.enabled)}</td><td data-label="Used">${String(sku.consumed)}</td><td data-label="Free">${sku.free === 0 ? badge('0', 'bad') : String(sku.free)}</td><td data-label="Status">${badge(sku.capabilityStatus, sku.capabilityStatus === 'Enabled' ? 'ok' : 'warn')}</td></tr>`);
  const table = html`<div class="table-wrap"><table id="licence-table" class="stack"><caption class="visually-hidden">The tenant's subscriptions with their seats</caption>
<thead><tr><th scope="col">Licence</th><th scope="col">Seats</th><th scope="col">Used</th><th scope="col">Free</th><th scope="col">Status</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${licences.skus.length === 0 ? html`<p class="hint">The tenant has no subscription.</p>` : ''}
${licences.missingDefaults.map((licence) => html`<p class="error">Default licence <code>${licence.skuPartNumber}</code> is no longer in the tenant.</p>`)}`;
  return html`${heading}<div class="card" id="licences">${editable
    ? html`<form method="post" action="${base}/licences" id="licences-form">${csrfField(page.csrfToken)}${formErrorSummary(typed, 'licences-error')}${table}
<p><label for="usage-location">Usage location (two-letter country code)</label><br><input type="text" id="usage-location" name="usageLocation" maxlength="2" size="4" pattern="[A-Za-z]{2}" value="${typed ? keptValue(typed, 'usageLocation') : settings.defaultUsageLocation ?? ''}"></p>
<button type="submit">Save default licences</button></form>`
    : html`${table}<p class="hint">Usage location: ${settings.defaultUsageLocation ?? 'none'}</p>`}</div>`;
}

export interface RunPage {
  readonly slug: string;
  readonly report: RunReport;
  readonly results: ReadonlyArray<{ upn: string; outcome: string; reason: string | null; message: string | null; details: Record<string, unknown> | null }>;
  readonly next: string | null;
  readonly filter: ResultFilter;
  readonly threshold: number;
  readonly csrfToken: string;
  readonly mayRun: boolean;
  readonly mayConfirm: boolean;
  readonly freshSecondFactor: boolean;
  /** The response's CSP nonce, for the live-progress script. */
  readonly nonce: string;
}

export function runBody(page: RunPage): SafeHtml {
  const { report } = page;
  const base = `/admin/orgs/${page.slug}/provisioning`;
  const running = report.status === 'running';
  const here = `${base}/runs/${report.id}`;
  return html`<h1>${report.kind}${report.dryRun ? ' dry run' : ''}</h1>
<div class="card" id="run-report"${running ? html` data-live-run="/admin/api/orgs/${page.slug}/provisioning/runs/${report.id}?limit=0" data-outcomes="${provisioningOutcomes.join(' ')}"` : ''}>
<p>${statusBadge(report.status, 'run-status')} <span class="hint">phase <span id="run-phase">${report.phase}</span>, <span id="run-processed">${String(report.processed)}</span> of <span id="run-total">${report.total === null ? '?' : String(report.total)}</span> accounts</span></p>
${running ? html`<progress id="run-progress" aria-label="Accounts done" max="${String(report.total ?? 1)}" value="${String(report.total ? report.processed : 0)}"></progress>` : ''}
<p id="run-counts">${counts(report)}</p>${report.error ? html`<p class="error"><code>${report.error.code}</code> ${report.error.message}</p>` : ''}
<p class="visually-hidden" id="run-live" aria-live="polite"></p>
${running ? html`<p id="run-refresh"><a class="button secondary" href="${here}">Refresh</a></p><p id="run-ended" hidden>The run has ended. <a href="${here}">Show its full report</a></p>` : ''}</div>
${running ? html`<script src="${liveProgressPath}" nonce="${page.nonce}" defer></script>` : ''}
${page.mayRun && report.dryRun && report.status === 'completed' ? runForReal(page, base) : ''}
${report.status === 'stopped' && report.error?.code === 'PROVISIONING_THRESHOLD_EXCEEDED' ? html`<p class="hint">Start a new dry run from <a href="${base}">Provisioning</a>: its report asks for the confirmation.</p>` : ''}
<h2>Accounts</h2>
<form class="filters" method="get" action="${here}" id="result-filter"><fieldset><legend>Show outcomes</legend>
${provisioningOutcomes.map((outcome) => html`<label><input type="checkbox" name="outcome" value="${outcome}"${page.filter.outcomes.includes(outcome) ? html` checked` : ''}> ${outcome}</label> `)}</fieldset>
<div><label for="result-search">Account (UPN) contains</label><input type="search" id="result-search" name="q" maxlength="200" value="${page.filter.search}"></div>
<button type="submit">Filter</button></form>
<div class="table-wrap"><table id="results" class="stack"><caption class="visually-hidden">Per-account results, by UPN</caption><thead><tr><th scope="col">Account</th><th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col">Changes</th></tr></thead>
<tbody>${page.results.map((result) => html`<tr><td>${result.upn}</td><td>${badge(result.outcome, result.outcome === 'failed' ? 'bad' : result.outcome === 'created' || result.outcome === 'updated' ? 'ok' : result.outcome === 'disabled' ? 'warn' : '')}</td><td data-label="Reason">${result.reason ? html`<code>${result.reason}</code> ` : ''}${result.message ?? '—'}</td><td data-label="Changes">${result.details ? html`<code class="wrap">${JSON.stringify(result.details)}</code>` : '—'}</td></tr>`)}</tbody></table></div>
${page.results.length === 0 ? html`<p class="hint">${running && !page.filter.after ? 'No account is recorded yet: the list fills as the run goes (it shows what was recorded when the page was loaded).' : 'No account matches.'}</p>` : ''}
${pager(page, here)}
<p><a href="${base}">Back to provisioning</a></p>`;
}

/** First and next page, keeping the filter (keyset paging: no page is skipped or repeated while results are added). */
function pager(page: RunPage, here: string): SafeHtml | '' {
  if (!page.filter.after && !page.next) return '';
  const query = (after: string | null) => {
    const params = new URLSearchParams();
    for (const outcome of page.filter.outcomes) params.append('outcome', outcome);
    if (page.filter.search) params.set('q', page.filter.search);
    if (after) params.set('after', after);
    const text = params.toString();
    return text ? `${here}?${text}` : here;
  };
  return html`<nav class="pager" aria-label="Pages of accounts">${page.filter.after ? html`<a href="${query(null)}" id="first-page">First page</a>` : ''}${page.next ? html`<a href="${query(page.next)}" id="next-page" rel="next">Next page</a>` : ''}</nav>`;
}

/** The real run from a completed dry run; beyond the threshold, a confirmation with a fresh second factor. */
function runForReal(page: RunPage, base: string): SafeHtml {
  const { report } = page;
  const disables = report.counts.disabled ?? 0;
  const beyond = disables > page.threshold;
  return html`<form class="card" method="post" action="${base}/runs" id="run-for-real">${csrfField(page.csrfToken)}
<input type="hidden" name="kind" value="${report.kind}"><input type="hidden" name="fromDryRun" value="${report.id}">
<p>This dry run is the diff. Running it for real applies the same changes (the tenant is read again).</p>
${beyond
  ? html`<div class="checklist"><p class="error" id="threshold-warning">It would disable <strong>${accountsText(disables)}</strong>, more than the organization's threshold of ${String(page.threshold)}. Review them (filter the accounts below by <em>disabled</em>) before you confirm.</p>
${page.mayConfirm
  ? html`<div><label><input type="checkbox" name="confirm" value="1" required id="confirm-disables"> I have reviewed them: disable ${disables === 1 ? 'this account' : `these ${disables} accounts`}</label></div>
${reauthField('confirm-code', page.freshSecondFactor, 'Your authenticator code to confirm')}`
  : html`<p class="hint">Your role cannot confirm this.</p>`}</div>`
  : disables > 0 ? html`<p class="hint">It disables ${accountsText(disables)} (the threshold is ${String(page.threshold)}).</p>` : ''}
<button type="submit" class="danger">Run the ${report.kind}</button></form>`;
}
