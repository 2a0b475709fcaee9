import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { PreflightCheck } from '../../provisioning/federation/preflight.ts';
import type { UnfederateReport } from '../../provisioning/federation/unfederate.ts';
import type { FederationChoice, FederationPreview } from '../views/domains.ts';
import type { OrganizationOverview } from '../views/organization-overview.ts';
import { formErrorSummary, keptValue, type FormRefusal } from '../form-refusal.ts';
import { badge, csrfField, notice, reauthField, time } from './parts.ts';

export interface DomainsPage {
  readonly slug: string;
  readonly domains: OrganizationOverview['domains'];
  readonly csrfToken: string;
  readonly mayAdd: boolean;
  readonly mayFederate: boolean;
  readonly notice?: string | undefined;
  /** The add form was refused for what was typed: shown on it, the name kept. */
  readonly refusal?: FormRefusal | undefined;
}

export function domainsBody(page: DomainsPage): SafeHtml {
  const base = `/admin/orgs/${page.slug}/domains`;
  return html`<h1>Domains &amp; federation</h1>
${notice(page.notice)}
<div class="table-wrap"><table id="domains" class="stack"><caption class="visually-hidden">Domains and their federation</caption>
<thead><tr><th scope="col">Domain</th><th scope="col">Federation</th><th scope="col">Protocol</th><th scope="col">MFA from Microsoft</th>${page.mayFederate ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
<tbody>${page.domains.map((d) => html`<tr id="domain-${d.name}"><td>${d.name}</td>
<td>${d.federated ? html`${badge('federated', 'ok')} <span class="hint">tenant ${d.tenantId}, since ${time(d.federatedAt)}</span>` : badge('managed', 'warn')}</td>
<td data-label="Protocol">${d.protocol}</td><td data-label="MFA from Microsoft">${d.mfaBehavior}</td>
${page.mayFederate ? html`<td>${d.federated
    ? html`<a class="button danger" href="${base}/${d.name}/unfederate" aria-label="Unfederate ${d.name}">Unfederate…</a>`
    : html`<a class="button" href="${base}/${d.name}/federate" aria-label="Federate ${d.name}">Federate…</a>`}</td>` : ''}</tr>`)}</tbody></table></div>
${page.domains.length === 0 ? html`<p class="hint">No domain yet.</p>` : ''}
${page.mayAdd
  ? html`<h2>Add a domain</h2>
${addDomainForm(base, page.csrfToken, page.refusal)}
<p class="hint">Adding a domain here registers it in Lanyard (its issuer is fixed from this server's public URL). The domain must also be added and verified in the Microsoft 365 tenant before it can be federated.</p>`
  : ''}`;
}

/** The add-a-domain form (this organization's, and a CSP customer's tenant's), with a refusal on it. */
export function addDomainForm(action: string, csrfToken: string, refusal: FormRefusal | undefined): SafeHtml {
  return html`<form class="filters card" method="post" action="${action}" id="add-domain">${csrfField(csrfToken)}
${formErrorSummary(refusal, 'add-domain-error')}
<div><label for="domain-name">Domain name</label><input type="text" id="domain-name" name="name" required maxlength="253" autocomplete="off" placeholder="contoso.com" value="${keptValue(refusal, 'name')}"></div>
<button type="submit">Add domain</button>
</form>`;
}

export interface FederatePage {
  readonly slug: string;
  readonly domain: string;
  readonly choice: FederationChoice;
  readonly preview: FederationPreview;
  readonly csrfToken: string;
  readonly freshSecondFactor: boolean;
}

/** The pre-flight checklist, the Graph body, and (only when every check passes) the confirmation. */
export function federateBody(page: FederatePage): SafeHtml {
  const base = `/admin/orgs/${page.slug}/domains/${page.domain}`;
  const checks = page.preview.ready ? page.preview.report.checks : page.preview.checks;
  return html`<h1>Federate ${page.domain}</h1>
<form class="filters card" method="get" action="${base}/federate" id="federation-choice">
<div><label for="protocol">Protocol</label><select id="protocol" name="protocol">
<option value="wsfed"${page.choice.protocol === 'wsfed' ? html` selected` : ''}>WS-Federation</option>
<option value="saml"${page.choice.protocol === 'saml' ? html` selected` : ''}>SAML 2.0</option></select></div>
<div><label for="mfa">MFA from Microsoft (federatedIdpMfaBehavior)</label><select id="mfa" name="mfa">
${(['enforce', 'accept', 'reject'] as const).map((value) => html`<option value="${value}"${page.choice.mfaBehavior === value ? html` selected` : ''}>${mfaLabels[value]}</option>`)}</select></div>
<button type="submit" class="secondary">Check again</button>
</form>
<h2>Pre-flight checklist</h2>
${checklist(checks)}
${page.preview.ready
  ? html`${graphRequestPreview(page.domain, page.preview.report)}
<form class="card" method="post" action="${base}/federate" id="confirm-federate">${csrfField(page.csrfToken)}
<input type="hidden" name="protocol" value="${page.choice.protocol}"><input type="hidden" name="mfa" value="${page.choice.mfaBehavior}">
<p>Every check passed. From now on Microsoft sends the sign-ins of ${page.domain} to Lanyard.</p>
${reauthField('federate-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit" class="danger">Federate ${page.domain}</button>
</form>`
  : html`<p class="error" id="preflight-failed" role="alert">${page.preview.message}</p>`}
<p><a href="/admin/orgs/${page.slug}/domains">Back to domains</a></p>`;
}

const mfaLabels = { enforce: 'Enforce: Lanyard always asks for TOTP', accept: 'Accept: Microsoft may skip its own MFA when Lanyard did it', reject: 'Reject: Microsoft always does its own MFA' } as const;

/** The pre-flight checks as a list: passed or failed, the fix, the tenant users concerned. */
export function checklist(checks: readonly PreflightCheck[]): SafeHtml {
  return html`<ul class="checklist" id="preflight">${checks.map((check) => html`<li class="${check.ok ? 'ok' : 'bad'}" data-check="${check.id}"><span aria-hidden="true">${check.ok ? '✓' : '✗'}</span> <span class="visually-hidden">${check.ok ? 'passed:' : 'failed:'}</span> ${check.message}
${check.fix ? html`<br><span class="hint">Fix: ${check.fix}</span>` : ''}
${check.users?.length ? html`<ul>${check.users.map((user) => html`<li><code>${user.userPrincipalName}</code> (${user.onPremisesImmutableId ?? 'no ImmutableID'}): ${user.fix}</li>`)}</ul>` : ''}</li>`)}</ul>`;
}

export interface UnfederatePage {
  readonly slug: string;
  readonly report: UnfederateReport;
  readonly csrfToken: string;
  readonly freshSecondFactor: boolean;
}

export function unfederateBody(page: UnfederatePage): SafeHtml {
  const base = `/admin/orgs/${page.slug}/domains/${page.report.domain}`;
  return html`<h1>Unfederate ${page.report.domain}</h1>
<p>Tenant ${page.report.tenantId} shows the domain as <strong id="tenant-state">${page.report.authenticationType}</strong>.</p>
${page.report.action === 'convert'
  ? html`<h2>Before you confirm</h2><ul class="checklist" id="warnings">${page.report.warnings.map((warning) => html`<li class="warn">${warning}</li>`)}</ul>
<p class="hint">The Graph request: PATCH /domains/${page.report.domain} with <code>{"authenticationType":"Managed"}</code>, then DELETE of any federation configuration left behind.</p>
<form class="card" method="post" action="${base}/unfederate" id="confirm-unfederate">${csrfField(page.csrfToken)}
${reauthField('unfederate-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit" class="danger">Unfederate ${page.report.domain}</button></form>`
  : html`<p class="notice" id="nothing-to-do">The domain is already managed by Microsoft: nothing to do.</p>`}
<p><a href="/admin/orgs/${page.slug}/domains">Back to domains</a></p>`;
}

/** The federation request a confirmed pre-flight will send to Microsoft Graph, shown before the admin confirms. */
export function graphRequestPreview(domain: string, report: { readonly action: string; readonly tenantId: string; readonly body: unknown }): SafeHtml {
  return html`<h2>The Graph request that will be sent</h2>
<p class="hint">${report.action === 'create' ? 'POST' : 'PATCH'} /domains/${domain}/federationConfiguration to tenant ${report.tenantId}</p>
<pre class="card code" id="graph-body" tabindex="0" aria-label="Graph request body">${JSON.stringify(report.body, null, 2)}</pre>`;
}
