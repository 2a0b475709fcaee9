import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { ConnectFailure, ConnectionTestView, TenantConnectionView } from '../views/tenant-connection.ts';
import { badge, csrfField, notice, reauthField, time } from './parts.ts';

export interface TenantPage {
  readonly slug: string;
  readonly name: string;
  readonly view: TenantConnectionView;
  readonly csrfToken: string;
  readonly freshSecondFactor: boolean;
  readonly mayTest: boolean;
  readonly mayConnect: boolean;
  readonly test?: ConnectionTestView | undefined;
  readonly notice?: string | undefined;
  /** A connect attempt Microsoft refused: nothing was stored; the ids typed are kept in the form. */
  readonly connectFailure?: ConnectFailure | undefined;
  readonly entered?: { readonly tenantId: string; readonly clientId: string } | undefined;
}

const viaText = { 'app-registration': 'its own app registration', 'csp-partner': 'a CSP partner\'s delegated access', none: 'nothing yet' } as const;
const tone = { ok: 'ok', failed: 'bad', warn: 'warn', skipped: '' } as const;

/** How the organization reaches its tenant, "Test connection" with its checklist, and changing the app registration. */
export function tenantBody(page: TenantPage): SafeHtml {
  const { view } = page;
  const base = `/admin/orgs/${page.slug}/tenant`;
  const app = view.appRegistration;
  return html`<h1>Tenant connection</h1>
${notice(page.notice)}
<div class="card" id="connection"><p>${page.name} reaches its Microsoft 365 tenant through <strong id="connection-via">${viaText[view.via]}</strong> ${badge(view.via === 'none' ? 'not connected' : 'connected', view.via === 'none' ? 'warn' : 'ok')}</p>
${app
  ? html`<h2>App registration</h2><dl class="facts" id="app-registration">
<dt>Tenant id</dt><dd><code>${app.tenantId}</code></dd>
<dt>Application (client) id</dt><dd><code>${app.clientId}</code></dd>
<dt>Connected</dt><dd>${time(app.connectedAt)}</dd>
<dt>Client secret</dt><dd>set ${time(app.secretSetAt)} <span class="hint">(never shown again; its expiry is not known to Lanyard: see Certificates &amp; secrets in the app registration)</span></dd>
</dl>`
  : ''}
${view.partner
  ? html`<h2>CSP partner</h2><dl class="facts" id="csp-partner">
<dt>Partner</dt><dd>${view.partner.partner}${view.partner.resellerId ? html` <span class="hint">through reseller ${view.partner.resellerId}</span>` : ''}</dd>
<dt>Customer</dt><dd>${view.partner.customerDomain}</dd>
<dt>Customer tenant id</dt><dd><code>${view.partner.customerTenantId}</code></dd>
</dl>${app ? html`<p class="hint">The app registration is used while there is one; the partner's access is not.</p>` : ''}`
  : ''}
${view.via === 'none' ? html`<p class="hint">Connect an app registration below, or link the organization to a CSP customer.</p>` : ''}
</div>
${page.mayTest && view.via !== 'none'
  ? html`<form method="post" action="${base}/test" id="test-connection" class="filters">${csrfField(page.csrfToken)}<p class="hint">Gets a token and reads the tenant (nothing is changed there).</p><button type="submit">Test connection</button></form>`
  : ''}
${page.test ? testResult(page.test) : ''}
${page.mayConnect ? connectForm(base, page, app) : ''}`;
}

function testResult(test: ConnectionTestView): SafeHtml {
  return html`<h2 id="test-result">Test result: ${test.ok ? badge('working', 'ok') : badge('not working', 'bad')}</h2>
<ul class="checklist" id="connection-checks">${test.checks.map(
    (check) => html`<li class="${tone[check.outcome]}" data-check="${check.id}" data-outcome="${check.outcome}"><strong>${checkTitle(check.id)}</strong> ${badge(check.outcome, tone[check.outcome])}<br>${check.message}${check.aadsts ? html` <code>${check.aadsts}</code>` : ''}${check.remediation ? html`<br><span class="remediation">What to do: ${check.remediation}</span>` : ''}</li>`,
  )}</ul>`;
}

function checkTitle(id: string): string {
  if (id === 'token') return 'Token from Microsoft';
  if (id === 'organization') return 'Read the organization';
  if (id === 'domains') return 'Read the tenant\'s domains';
  return `Domain ${id.slice('domain:'.length)}`;
}

function connectForm(base: string, page: TenantPage, app: TenantConnectionView['appRegistration']): SafeHtml {
  return html`<h2>${app ? 'Change the app registration' : 'Connect an app registration'}</h2>
${page.connectFailure
  ? html`<div class="error" role="alert" id="connect-error"><p>Nothing was changed: ${page.connectFailure.message} <code id="connect-error-code">${page.connectFailure.code}</code></p>${page.connectFailure.remediation ? html`<p class="remediation">What to do: ${page.connectFailure.remediation}</p>` : ''}</div>`
  : ''}
<form method="post" action="${base}" id="connect-tenant" class="card filters" autocomplete="off">${csrfField(page.csrfToken)}
<p class="hint">Federation, key pushes and provisioning write to the tenant these credentials open. Lanyard gets a token and reads the tenant's domains before it stores anything, so wrong credentials never replace working ones.</p>
<div><label for="tenant-id">Directory (tenant) id</label><input type="text" id="tenant-id" name="tenantId" class="wide" value="${page.entered?.tenantId ?? app?.tenantId ?? ''}" required maxlength="256" spellcheck="false"></div>
<div><label for="client-id">Application (client) id</label><input type="text" id="client-id" name="clientId" class="wide" value="${page.entered?.clientId ?? app?.clientId ?? ''}" required maxlength="36" spellcheck="false"></div>
<div><label for="client-secret">Client secret (its Value)</label><input type="password" id="client-secret" name="clientSecret" class="wide" required maxlength="1024" autocomplete="new-password"></div>
${reauthField('connect-code', page.freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit">${app ? 'Change app registration' : 'Connect'}</button></form>`;
}
