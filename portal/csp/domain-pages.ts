import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { CspCustomer, CspCustomerDomain, CspPartner } from '../../csp/data/tables.ts';
import type { DomainRecordsView } from '../../csp/domains/domain-setup.ts';
import type { FederationPreview } from '../views/domains.ts';
import type { FormRefusal } from '../form-refusal.ts';
import { addDomainForm, checklist, graphRequestPreview } from '../pages/domains-page.ts';
import { badge, csrfField, notice, reauthField, time } from '../pages/parts.ts';
import { cspPaths } from './csp-routes.ts';

/** A customer domain as the page lists it: Lanyard's row, and whether Lanyard federates it already. */
export interface CustomerDomainRow extends CspCustomerDomain {
  readonly federated: boolean;
}

export interface CustomerDomainsPage {
  readonly partner: CspPartner;
  readonly customer: CspCustomer;
  readonly domains: readonly CustomerDomainRow[];
  readonly csrfToken: string;
  readonly mayManage: boolean;
  readonly mayFederate: boolean;
  /** After an action: what happened to which domain. */
  readonly notice?: string | undefined;
  readonly problem?: { readonly domain: string; readonly code: string; readonly message: string } | undefined;
  /** The add form was refused for what was typed: shown on it, the name kept. */
  readonly refusal?: FormRefusal | undefined;
}

const stateTone = (state: CspCustomerDomain['state']) => (state === 'verified' ? 'ok' : state === 'failed' ? 'bad' : 'warn');

export function domainsBase(partner: CspPartner, customer: CspCustomer): string {
  return cspPaths.customerPage(partner, customer, 'domains');
}

/** The customer's domains with their state, last error and backoff; add, verify now, DNS records, federate. */
export function customerDomainsBody(page: CustomerDomainsPage): SafeHtml {
  const base = domainsBase(page.partner, page.customer);
  return html`<h1>Domains of ${page.customer.companyName}</h1>
${notice(page.notice)}
${page.problem ? html`<div class="error" role="alert" id="domain-problem"><strong>${page.problem.domain}: ${page.problem.code}</strong><br>${page.problem.message}<br><a href="${base}/${page.problem.domain}/records">The records to add, and what DNS shows now</a></div>` : ''}
${page.domains.length
  ? html`<div class="table-wrap"><table id="domains" class="stack"><caption class="visually-hidden">Domains of ${page.customer.companyName} and their state</caption>
<thead><tr><th scope="col">Domain</th><th scope="col">State</th><th scope="col">Last error</th><th scope="col">Next try</th><th scope="col">Actions</th></tr></thead>
<tbody>${page.domains.map((row) => domainRow(page, base, row))}</tbody></table></div>`
  : html`<p class="hint" id="domains">No domain yet. Add the customer's own domain (contoso.com): Lanyard adds it to the tenant, then writes or shows the DNS records Microsoft asks for.</p>`}
${page.mayManage
  ? html`<h2>Add a domain</h2>
${addDomainForm(base, page.csrfToken, page.refusal)}
<p class="hint">The domain is added to the customer's Microsoft 365 tenant. When Lanyard's DNS provider hosts its zone, the TXT record is written and the domain verified at once; otherwise the page shows the record to add at the domain's DNS host.</p>`
  : ''}`;
}

function domainRow(page: CustomerDomainsPage, base: string, row: CustomerDomainRow): SafeHtml {
  const name = row.domain;
  return html`<tr id="domain-${name}"><td><strong>${name}</strong>${row.zone ? html`<br><span class="hint">zone ${row.zone} (hosted by Lanyard)</span>` : ''}</td>
<td data-label="State">${badge(row.state, stateTone(row.state))}${row.federated ? html` ${badge('federated', 'ok')}` : ''}${row.verifiedAt ? html`<br><span class="hint">since ${time(row.verifiedAt)}</span>` : ''}</td>
<td data-label="Last error">${row.lastErrorCode ? html`<code>${row.lastErrorCode}</code> <span class="hint">(${row.attempts} attempt${row.attempts === 1 ? '' : 's'})</span><br>${row.lastError}` : html`<span class="hint">none</span>`}</td>
<td data-label="Next try">${row.state === 'unverified' ? (row.nextAttemptAt ? time(row.nextAttemptAt) : html`<span class="hint">next run of the job</span>`) : html`<span class="hint">—</span>`}</td>
<td><div class="actions">
${page.mayManage && row.state !== 'verified' ? html`<form method="post" action="${base}/${name}/verify">${csrfField(page.csrfToken)}<button type="submit" aria-label="Verify now: ${name}">Verify now</button></form>` : ''}
<a class="button secondary" href="${base}/${name}/records" aria-label="DNS records of ${name}">DNS records</a>
${page.mayFederate && row.state === 'verified' && !row.federated ? html`<a class="button" href="${base}/${name}/federate" aria-label="Federate ${name}">Federate…</a>` : ''}
</div></td></tr>`;
}

export interface DomainRecordsPage {
  readonly partner: CspPartner;
  readonly customer: CspCustomer;
  readonly view: DomainRecordsView;
  readonly csrfToken: string;
  readonly mayManage: boolean;
  /** After "Set up": the rrsets written and what could not be. */
  readonly setupDone: boolean;
}

/** `priority 0`, `priority 100 weight 1 port 443`: only the numbers the record type has. */
const numbersOf = (record: DomainRecordsView['records'][number]) =>
  [['priority', record.priority], ['weight', record.weight], ['port', record.port]].filter(([, n]) => n !== undefined).map(([name, n]) => `${name} ${n}`).join(' ');

const checkTone = (status: 'present' | 'wrong' | 'missing') => (status === 'present' ? 'ok' : status === 'wrong' ? 'bad' : 'warn');

/** The records Microsoft wants now, as typed into a DNS panel, each as the resolver sees it; set-up when the zone is hosted. */
export function domainRecordsBody(page: DomainRecordsPage): SafeHtml {
  const { view } = page;
  const base = domainsBase(page.partner, page.customer);
  return html`<h1>DNS records of ${view.domain}</h1>
${page.setupDone && view.hostedZone ? html`<p class="notice" role="status" id="notice">${view.written.length} record set(s) written to zone ${view.hostedZone}${view.conflicts.length ? `; ${view.conflicts.length} not written (below)` : ''}.</p>` : ''}
${page.setupDone && !view.hostedZone ? html`<p class="notice" role="status" id="notice">Nothing was written.</p>` : ''}
<p id="records-intro">${view.verified
    ? 'Microsoft has verified the domain. These are the records of its Microsoft 365 services (mail, autodiscover, Teams).'
    : 'Microsoft has not verified the domain yet. This TXT record proves the customer owns it.'}
${view.hostedZone ? html` Lanyard's DNS provider hosts the zone <strong>${view.hostedZone}</strong>.` : view.note ? html` <span id="zone-note">${view.note}</span>` : html` Lanyard does not host this zone: add the records at the domain's DNS host, as shown.`}</p>
<div class="table-wrap"><table id="records" class="stack"><caption class="visually-hidden">DNS records for ${view.domain}</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Host</th><th scope="col">Value</th><th scope="col">Priority, weight, port</th><th scope="col">TTL</th><th scope="col">In DNS now</th></tr></thead>
<tbody>${view.records.map((record, index) => {
    const check = view.checks[index];
    return html`<tr data-type="${record.type}"><td><strong>${record.type}</strong>${record.optional ? html` <span class="hint">(optional)</span>` : ''}<br><span class="hint">${record.purpose}</span></td>
<td class="record-host" data-label="Host"><code class="value">${record.host}</code></td>
<td class="record-value" data-label="Value"><code class="value">${record.value}</code></td>
<td data-label="Priority, weight, port">${numbersOf(record) || '—'}</td>
<td data-label="TTL">${record.ttl}</td>
<td data-label="In DNS now">${check ? html`${badge(check.status, checkTone(check.status))}<br><span class="hint wrap-any">${check.explanation}</span>` : ''}</td></tr>`;
  })}</tbody></table></div>
${view.conflicts.length ? html`<h2>Not written</h2><ul class="checklist" id="conflicts">${view.conflicts.map((conflict) => html`<li class="bad">${conflict.reason}</li>`)}</ul>` : ''}
${page.mayManage && view.hostedZone
  ? html`<form class="card" method="post" action="${base}/${view.domain}/records" id="setup-records">${csrfField(page.csrfToken)}
<p>Write these records into the zone ${view.hostedZone}. Records already there stay (another TXT, the current MX); nothing is deleted.</p>
<button type="submit">Set up the records</button></form>`
  : ''}
<p><a href="${base}">Back to domains</a></p>`;
}

export interface CustomerFederatePage {
  readonly partner: CspPartner;
  readonly customer: CspCustomer;
  readonly domain: string;
  readonly organization: string;
  readonly preview: FederationPreview;
  readonly csrfToken: string;
  readonly freshSecondFactor: boolean;
}

/** The pre-flight checklist and the Graph body of federating a customer's verified domain, then the confirmation. */
export function customerFederateBody(page: CustomerFederatePage): SafeHtml {
  const base = domainsBase(page.partner, page.customer);
  const checks = page.preview.ready ? page.preview.report.checks : page.preview.checks;
  return html`<h1>Federate ${page.domain}</h1>
<p>Sign-ins of ${page.domain} then go to Lanyard, for the organization <strong>${page.organization}</strong> (WS-Federation, MFA enforced by Lanyard; change these later on the organization's Domains page).</p>
<h2>Pre-flight checklist</h2>
${checklist(checks)}
${page.preview.ready
  ? html`${graphRequestPreview(page.domain, page.preview.report)}
<form class="card" method="post" action="${base}/${page.domain}/federate" id="confirm-federate">${csrfField(page.csrfToken)}
<p>Every check passed. From now on Microsoft sends the sign-ins of ${page.domain} to Lanyard.</p>
${reauthField('federate-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit" class="danger">Federate ${page.domain}</button>
</form>`
  : html`<p class="error" id="preflight-failed" role="alert">${page.preview.message}</p>`}
<p><a href="${base}">Back to domains</a></p>`;
}
