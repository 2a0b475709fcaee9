import type { Organization } from '../../core/db/schema.ts';
import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { CreatedCustomerReport } from '../../csp/customers/create-customer.ts';
import type { CustomerView } from '../../csp/customers/customer-view.ts';
import type { ImportReport } from '../../csp/customers/import-customers.ts';
import type { CspPartner } from '../../csp/data/tables.ts';
import type { AccessReport } from '../../csp/partners/access-check.ts';
import type { TokenStatus } from '../../csp/tokens/partner-tokens.ts';
import { formErrorSummary, keptValue, type FormRefusal } from '../form-refusal.ts';
import { badge, csrfField, notice, time } from '../pages/parts.ts';

/** What the portal's buttons do about each token state (beside the CLI remediation the status gives). */
const portalRemedies: Record<TokenStatus['state'], string | null> = {
  valid: null,
  expiring: 'Press “Renew token now”: Lanyard redeems the token and stores the rotated one, which starts its 90 days again.',
  expired: 'Press “Consent” and sign in at Microsoft as a partner admin with MFA: a new refresh token replaces the dead one.',
  revoked: 'Press “Consent” and sign in at Microsoft as a partner admin with MFA: a new refresh token replaces the revoked one.',
  'mfa-missing': 'Register MFA for the partner admin (or enforce it with Conditional Access or security defaults), then press “Consent” and sign in again.',
  'no-consent': 'Press “Consent” and sign in at Microsoft as a partner admin with MFA.',
  failed: 'Fix the app registration as the remediation says, then press “Check access” to see every step, and “Consent” if the token is gone.',
};

export interface PartnerActions {
  readonly partner: CspPartner;
  readonly token: TokenStatus;
  readonly csrfToken: string;
  readonly mayManage: boolean;
  readonly mayAddCustomers: boolean;
  readonly notice?: string | undefined;
  readonly report?: AccessReport | undefined;
  readonly error?: string | undefined;
}

/** The partner page's actions: consent, renew, the access check, and the customer actions. */
export function partnerActionsBody(page: PartnerActions): SafeHtml {
  const base = `/admin/csp/${page.partner.slug}`;
  const remedy = portalRemedies[page.token.state];
  return html`${notice(page.notice)}${page.error ? html`<p class="error" role="alert" id="action-error">${page.error}</p>` : ''}
${page.mayManage
  ? html`<section class="card" id="connection-actions" aria-labelledby="connection-actions-title">
<h2 id="connection-actions-title">Connection actions</h2>
${remedy ? html`<p class="notice" id="token-remedy">${remedy}</p>` : ''}
<div class="actions">
<form method="post" action="${base}/consent" id="consent-form">${csrfField(page.csrfToken)}<button type="submit"${page.token.state === 'valid' ? html` class="secondary"` : ''}>Consent</button></form>
<form method="post" action="${base}/refresh" id="refresh-form">${csrfField(page.csrfToken)}<button type="submit" class="secondary">Renew token now</button></form>
<form method="post" action="${base}/check" id="check-form">${csrfField(page.csrfToken)}<button type="submit" class="secondary">Check access</button></form>
</div>
<p class="hint">Consent opens Microsoft's sign-in (the link works once, for 10 minutes); the page you return to links back here.</p>
</section>`
  : ''}
${page.report ? accessReportBody(page.report) : ''}
${page.mayAddCustomers
  ? html`<section class="card" id="customer-actions" aria-labelledby="customer-actions-title">
<h2 id="customer-actions-title">Add customers</h2>
<p><a class="button" href="${base}/customers/new" id="create-customer-link">Create a customer…</a></p>
<form method="post" action="${base}/customers/import" id="import-form">${csrfField(page.csrfToken)}
<p><label><input type="checkbox" name="dryRun" value="on" id="import-dry-run"> Dry run: read everything, write nothing</label></p>
<button type="submit" class="secondary">Import from Partner Center</button></form>
</section>`
  : ''}`;
}

const outcomeTone = { ok: 'ok', warning: 'warn', failed: 'bad' } as const;

/** `csp partner check` as a checklist. */
export function accessReportBody(report: AccessReport): SafeHtml {
  return html`<section class="card" id="access-report" aria-labelledby="access-report-title">
<h2 id="access-report-title">Access check: ${badge(report.outcome, outcomeTone[report.outcome])}</h2>
<ul class="checklist">${report.checks.map((check) => html`<li class="${outcomeTone[check.outcome]}" data-check="${check.check}"><span aria-hidden="true">${check.outcome === 'ok' ? '✓' : check.outcome === 'warning' ? '!' : '✗'}</span> <span class="visually-hidden">${check.outcome}:</span> <strong>${check.check}</strong>${check.code ? html` <code>${check.code}</code>` : ''}: ${check.message}
${check.remediation ? html`<br><span class="hint">Fix: ${check.remediation}</span>` : ''}</li>`)}</ul>
</section>`;
}

export interface CreateCustomerPage {
  readonly partner: CspPartner;
  readonly csrfToken: string;
  readonly resellers: readonly string[];
  readonly organizations: readonly Organization[];
  readonly smtpConfigured: boolean;
  /** The create was refused for what was typed: shown on top, the fields filled again. */
  readonly refusal?: FormRefusal | undefined;
}

const field = (id: string, label: string, attributes: SafeHtml | '' = '', type = 'text', value = '') =>
  html`<div><label for="${id}">${label}</label><input type="${type}" id="${id}" name="${id}" ${attributes} value="${value}"></div>`;

/** `csp customer create` as a form: the same fields, checked by the same function on the server. */
export function createCustomerBody(page: CreateCustomerPage): SafeHtml {
  const base = `/admin/csp/${page.partner.slug}`;
  const { refusal } = page;
  const typed = (id: string, label: string, attributes: SafeHtml | '' = '', type = 'text') => field(id, label, attributes, type, keptValue(refusal, id));
  const option = (name: string, value: string, text: string) => html`<option value="${value}"${keptValue(refusal, name) === value ? html` selected` : ''}>${text}</option>`;
  return html`<h1>Create a customer of ${page.partner.slug}</h1>
<form class="card form-grid" method="post" action="${base}/customers" id="create-customer">${csrfField(page.csrfToken)}
${formErrorSummary(refusal, 'create-error')}
<fieldset><legend>Company</legend>
${typed('company', 'Company name', html`required maxlength="256" autocomplete="organization"`)}
${typed('domainPrefix', 'Domain prefix (becomes <prefix>.onmicrosoft.com)', html`required maxlength="27" pattern="[A-Za-z0-9]{1,27}" autocomplete="off"`)}
${typed('email', 'Contact e-mail', html`required maxlength="254" autocomplete="email"`, 'email')}
${typed('phone', 'Phone (optional)', html`maxlength="25" autocomplete="tel"`)}
</fieldset>
<fieldset><legend>Billing address</legend>
${typed('firstName', 'First name', html`required maxlength="64" autocomplete="given-name"`)}
${typed('lastName', 'Last name', html`required maxlength="64" autocomplete="family-name"`)}
${typed('address', 'Address', html`required maxlength="256" autocomplete="address-line1"`)}
${typed('city', 'City', html`required maxlength="128" autocomplete="address-level2"`)}
${typed('postalCode', 'Postal code', html`required maxlength="16" autocomplete="postal-code"`)}
${typed('state', 'State or region (optional)', html`maxlength="64" autocomplete="address-level1"`)}
${typed('country', 'Country (two letters, e.g. DE)', html`required maxlength="2" pattern="[A-Za-z]{2}" autocomplete="country"`)}
</fieldset>
<fieldset><legend>Sold and linked</legend>
<div><label for="reseller">Indirect reseller</label><select id="reseller" name="reseller"><option value="">Sold directly</option>${page.resellers.map((id) => option('reseller', id, id))}</select></div>
<div><label for="organization">Lanyard organization to link (optional)</label><select id="organization" name="organization"><option value="">None</option>${page.organizations.map((o) => option('organization', o.slug, o.slug))}</select></div>
${page.smtpConfigured
  ? html`<div><label for="mailPasswordTo">Admin password</label><select id="mailPasswordTo" name="mailPasswordTo"><option value="">Show it once on the next page</option>${option('mailPasswordTo', 'customer', 'E-mail it to the contact e-mail')}${option('mailPasswordTo', 'billing', 'E-mail it to a billing address')}</select></div>
${typed('billingEmail', 'Billing e-mail (when mailing to billing)', html`maxlength="254"`, 'email')}`
  : html`<p class="hint">The admin password is shown once on the next page (no SMTP server is set to mail it).</p>`}
</fieldset>
<fieldset><legend>Microsoft Customer Agreement</legend>
<p class="hint">Microsoft takes no order until a contact of the customer has accepted the agreement. The contact above accepts it, dated now.</p>
<label><input type="checkbox" name="acceptAgreement" value="on" id="acceptAgreement"${keptValue(refusal, 'acceptAgreement') === 'on' ? html` checked` : ''}> The contact above accepts the Microsoft Customer Agreement</label>
</fieldset>
<button type="submit">Create customer</button>
</form>
<p><a href="${base}">Back to ${page.partner.slug}</a></p>`;
}

/** The answer to the create: the admin password shown once (the response is not stored by the browser). */
export function createdCustomerBody(partner: CspPartner, report: CreatedCustomerReport, agreement: { readonly acceptedAt: string; readonly alreadyAccepted: boolean } | null): SafeHtml {
  const view = report.customer;
  return html`<h1>Customer created</h1>
<dl class="facts card" id="created-customer">
<dt>Company</dt><dd>${view.companyName}</dd>
<dt>Domain</dt><dd>${view.domain}</dd>
<dt>Tenant id</dt><dd><code>${view.tenantId}</code></dd>
<dt>Global administrator</dt><dd><code>${report.adminUser}</code></dd>
<dt>Password</dt><dd>${report.adminPassword
    ? html`<code id="admin-password" class="wrap">${report.adminPassword}</code> <span class="hint">shown this once: Lanyard keeps no copy${report.passwordShownBecause ? html` (not e-mailed: ${report.passwordShownBecause})` : ''}</span>`
    : report.passwordMailedTo ? html`e-mailed to ${report.passwordMailedTo}` : html`<span class="hint">none returned</span>`}</dd>
<dt>Organization</dt><dd>${view.organization ?? 'not linked'}</dd>
<dt>Customer agreement</dt><dd id="created-agreement">${agreement ? (agreement.alreadyAccepted ? 'already accepted at Partner Center; recorded' : html`accepted ${time(agreement.acceptedAt)}`) : badge('not accepted', 'warn')}</dd>
</dl>
${report.warnings.length ? html`<ul class="checklist" id="create-warnings">${report.warnings.map((warning) => html`<li class="warn">${warning}</li>`)}</ul>` : ''}
<p><a class="button" href="/admin/csp/${partner.slug}/customers/${view.tenantId}">Open the customer</a> <a href="/admin/csp/${partner.slug}">Back to ${partner.slug}</a></p>`;
}

/** `csp customer import` as a report. */
export function importReportBody(partner: CspPartner, report: ImportReport): SafeHtml {
  const { created, updated, unchanged } = report.counts;
  return html`<h1>Import from Partner Center${report.dryRun ? ' (dry run)' : ''}</h1>
<p class="notice" role="status" id="import-summary">${report.dryRun ? 'Dry run, nothing written: ' : ''}${created} created, ${updated} updated, ${unchanged} unchanged; ${report.subscriptions} subscriptions at Partner Center (${report.subscriptionCounts.created} recorded, ${report.subscriptionCounts.updated} updated, ${report.subscriptionCounts.unchanged} unchanged${report.subscriptionCounts.conflict ? `, ${report.subscriptionCounts.conflict} in conflict` : ''}${report.subscriptionCounts.locked ? `, ${report.subscriptionCounts.locked} locked by a change` : ''}).</p>
<div class="table-wrap"><table id="import-report" class="stack"><caption class="visually-hidden">Customers imported</caption>
<thead><tr><th scope="col">Customer</th><th scope="col">Outcome</th><th scope="col">Changed</th><th scope="col">Subscriptions</th><th scope="col">Licences</th></tr></thead>
<tbody>${report.customers.map((c) => html`<tr><td>${c.companyName}<br><span class="hint">${c.domain}</span></td><td data-label="Outcome">${badge(c.outcome, c.outcome === 'unchanged' ? '' : 'ok')}</td><td data-label="Changed">${c.changed.join(', ') || '—'}</td><td data-label="Subscriptions">${c.subscriptions}${c.subscriptionRows.filter((row) => row.reason).map((row) => html`<br><span class="hint">${row.offerId}: ${row.reason}</span>`)}</td><td data-label="Licences">${c.licences.map((l) => `${l.skuPartNumber} ${l.consumed}/${l.total}`).join(', ') || '—'}</td></tr>`)}</tbody></table></div>
<p><a href="/admin/csp/${partner.slug}">Back to ${partner.slug}</a></p>`;
}

export interface CustomerActions {
  readonly partner: CspPartner;
  readonly view: CustomerView;
  readonly csrfToken: string;
  /** Link / unlink and the agreement: csp.customers.add. */
  readonly mayManage: boolean;
  readonly organizations: readonly Organization[];
  readonly notice?: string | undefined;
}

/** The customer overview's actions: link or unlink the organization, record the agreement. */
export function customerActionsBody(page: CustomerActions): SafeHtml {
  const base = `/admin/csp/${page.partner.slug}/customers/${page.view.tenantId}`;
  if (!page.mayManage) return html`${notice(page.notice)}`;
  return html`${notice(page.notice)}
<section class="card" id="link-actions" aria-labelledby="link-title"><h2 id="link-title">Lanyard organization</h2>
${page.view.organization
  ? html`<form method="post" action="${base}/unlink" id="unlink-form">${csrfField(page.csrfToken)}<p>Linked to <strong>${page.view.organization}</strong>: its tenant is reached through ${page.partner.slug}'s delegated access. Unlinked, the organization needs its own tenant connection.</p><button type="submit" class="secondary">Unlink ${page.view.organization}</button></form>`
  : page.organizations.length
    ? html`<form class="filters" method="post" action="${base}/link" id="link-form">${csrfField(page.csrfToken)}<div><label for="link-org">Organization</label><select id="link-org" name="org">${page.organizations.map((o) => html`<option value="${o.slug}">${o.slug}</option>`)}</select></div><button type="submit">Link</button></form>`
    : html`<p class="hint">Not linked. No organization you administer is free to link.</p>`}
</section>
${page.view.agreement
  ? ''
  : html`<section class="card" id="agreement-actions" aria-labelledby="agreement-title"><h2 id="agreement-title">Microsoft Customer Agreement</h2>
<p class="hint">Microsoft takes no order until a contact of the customer accepts it. The contact accepts it, dated now.</p>
<form class="filters" method="post" action="${base}/agreement" id="agreement-form">${csrfField(page.csrfToken)}
${field('agreement-first-name', 'First name', html`required maxlength="64"`)}${field('agreement-last-name', 'Last name', html`required maxlength="64"`)}${field('agreement-email', 'E-mail', html`required maxlength="254"`, 'email')}${field('agreement-phone', 'Phone (optional)', html`maxlength="25"`)}
<button type="submit">Record acceptance</button></form></section>`}`;
}
