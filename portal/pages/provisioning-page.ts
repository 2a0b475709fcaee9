import { html, type SafeHtml } from '../../core/pages/html.ts';
import { provisioningOutcomes, type ProvisioningOutcome } from '../../provisioning/data/tables.ts';
import type { RunReport } from '../../provisioning/runs/run-admin.ts';
import { badge, csrfField, notice, time } from './parts.ts';

const statusBadge = (status: string) => badge(status, status === 'completed' ? 'ok' : status === 'failed' || status === 'stopped' ? 'bad' : 'warn');
const counts = (report: RunReport) => Object.entries(report.counts).map(([outcome, count]) => html`${badge(`${outcome} ${count}`)} `);

export function provisioningBody(page: { slug: string; runs: readonly RunReport[]; csrfToken: string; mayRun: boolean }): SafeHtml {
  const base = `/admin/orgs/${page.slug}/provisioning`;
  return html`<h1>Provisioning</h1>
${page.mayRun
  ? html`<div class="card"><p>Start with a dry run: it reads the tenant and shows what would change, account by account, and writes nothing. The real run is started from its report.</p>
<div class="actions">${(['import', 'export'] as const).map((kind) => html`<form method="post" action="${base}/runs">${csrfField(page.csrfToken)}<input type="hidden" name="kind" value="${kind}"><input type="hidden" name="dryRun" value="1"><button type="submit" class="secondary">Dry run ${kind}</button></form>`)}</div></div>`
  : ''}
<div class="table-wrap"><table id="runs" class="stack"><caption class="visually-hidden">Provisioning runs, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Outcomes</th><th scope="col">Started</th></tr></thead>
<tbody>${page.runs.map((run) => html`<tr><td><a href="${base}/runs/${run.id}">${run.kind}${run.dryRun ? ' (dry run)' : ''}</a><br><span class="hint">by ${run.requestedBy}</span></td><td>${statusBadge(run.status)} <span class="hint">${run.phase}</span></td><td data-label="Outcomes">${counts(run)}</td><td data-label="Started">${time(run.createdAt)}</td></tr>`)}</tbody></table></div>
${page.runs.length === 0 ? html`<p class="hint">No provisioning run yet.</p>` : ''}`;
}

export interface RunPage {
  readonly slug: string;
  readonly report: RunReport;
  readonly results: ReadonlyArray<{ upn: string; outcome: string; reason: string | null; message: string | null; details: Record<string, unknown> | null }>;
  readonly filter: readonly ProvisioningOutcome[];
  readonly csrfToken: string;
  readonly mayRun: boolean;
  readonly notice?: string | undefined;
}

export function runBody(page: RunPage): SafeHtml {
  const { report } = page;
  const base = `/admin/orgs/${page.slug}/provisioning`;
  return html`<h1>${report.kind}${report.dryRun ? ' dry run' : ''}</h1>
${notice(page.notice)}
<div class="card" id="run-report"><p>${statusBadge(report.status)} <span class="hint">phase ${report.phase}, ${report.processed}${report.total !== null ? html` of ${report.total}` : ''} accounts</span></p>
<p>${counts(report)}</p>${report.error ? html`<p class="error"><code>${report.error.code}</code> ${report.error.message}</p>` : ''}
${report.status === 'running' ? html`<p><a class="button secondary" href="${base}/runs/${report.id}">Refresh</a></p>` : ''}</div>
${page.mayRun && report.dryRun && report.status === 'completed'
  ? html`<form class="card" method="post" action="${base}/runs" id="run-for-real">${csrfField(page.csrfToken)}
<input type="hidden" name="kind" value="${report.kind}"><input type="hidden" name="fromDryRun" value="${report.id}">
<p>This dry run is the diff. Running it for real applies the same changes (the tenant is read again).</p>
${(report.counts.disabled ?? 0) > 0 ? html`<div><label><input type="checkbox" name="confirm" value="1"> Allow disabling more accounts than the organization's threshold</label></div>` : ''}
<button type="submit" class="danger">Run the ${report.kind}</button></form>`
  : ''}
<h2>Accounts</h2>
<form class="filters" method="get" action="${base}/runs/${report.id}" id="outcome-filter"><fieldset><legend>Show outcomes</legend>
${provisioningOutcomes.map((outcome) => html`<label><input type="checkbox" name="outcome" value="${outcome}"${page.filter.includes(outcome) ? html` checked` : ''}> ${outcome}</label> `)}</fieldset>
<button type="submit">Filter</button></form>
<div class="table-wrap"><table id="results" class="stack"><thead><tr><th scope="col">Account</th><th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col">Changes</th></tr></thead>
<tbody>${page.results.map((result) => html`<tr><td>${result.upn}</td><td>${badge(result.outcome, result.outcome === 'failed' ? 'bad' : result.outcome === 'created' || result.outcome === 'updated' ? 'ok' : '')}</td><td data-label="Reason">${result.reason ? html`<code>${result.reason}</code> ` : ''}${result.message ?? '—'}</td><td data-label="Changes">${result.details ? html`<code class="wrap">${JSON.stringify(result.details)}</code>` : '—'}</td></tr>`)}</tbody></table></div>
${page.results.length === 0 ? html`<p class="hint">No account matches.</p>` : ''}
<p><a href="${base}">Back to provisioning</a></p>`;
}
