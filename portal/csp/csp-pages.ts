import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { CustomerView } from '../../csp/customers/customer-view.ts';
import type { CspPartner } from '../../csp/data/tables.ts';
import type { PartnerView } from '../../csp/partners/partner-admin.ts';
import type { TokenStatus } from '../../csp/tokens/partner-tokens.ts';
import { badge, time } from '../pages/parts.ts';

export const tokenTone = (state: TokenStatus['state']) => (state === 'valid' ? 'ok' : state === 'expiring' ? 'warn' : 'bad');

export function partnersBody(partners: readonly PartnerView[]): SafeHtml {
  return html`<h1>CSP partners</h1>
${partners.length
  ? html`<div class="table-wrap"><table id="partners" class="stack"><caption class="visually-hidden">CSP partners you administer</caption>
<thead><tr><th scope="col">Partner</th><th scope="col">Partner tenant</th><th scope="col">Refresh token</th></tr></thead>
<tbody>${partners.map((p) => html`<tr><td><a href="/admin/csp/${p.partner}">${p.partner}</a>${p.isDefault ? html` ${badge('default')}` : ''}</td><td data-label="Partner tenant">${p.tenantId}</td><td data-label="Refresh token">${p.hasRefreshToken ? badge('held', 'ok') : badge('none', 'warn')}</td></tr>`)}</tbody></table></div>`
  : html`<p class="hint">No CSP partner is in your scope.</p>`}`;
}

export interface PartnerPage {
  readonly partner: CspPartner;
  readonly view: PartnerView;
  readonly token: TokenStatus;
  /** The customers this admin may open (a reseller's own only). */
  readonly customers: readonly CustomerView[];
  /** May change the partner's connection (consent, renew now, storage, sync settings). */
  readonly mayManage: boolean;
  /** The actions this admin may take (partner-routes.ts), under the connection's health. */
  readonly actions?: SafeHtml | undefined;
}

/** A partner's page: its connection (token health) and its customers. */
export function partnerBody(page: PartnerPage): SafeHtml {
  const { view, token } = page;
  return html`<h1>CSP partner ${view.partner}</h1>
<section class="card" id="token-health" aria-labelledby="token-health-title">
<h2 id="token-health-title">Connection to Partner Center</h2>
<p>Refresh token: ${badge(token.state, tokenTone(token.state))}${token.code ? html` <code>${token.code}</code>` : ''}</p>
<p>${token.explanation}</p>
${token.remediation ? html`<p class="hint">${token.remediation}</p>` : ''}
<dl class="facts">
<dt>Consented by</dt><dd>${token.consentUpn ?? '—'}</dd>
<dt>Obtained</dt><dd>${time(token.obtainedAt)}</dd>
<dt>Last used</dt><dd>${time(token.lastUsedAt)}</dd>
<dt>Entra revokes it if unused until</dt><dd>${time(token.expiresAt)}</dd>
<dt>Stored in</dt><dd>${view.tokenStorage === 'key-vault' ? 'Azure Key Vault' : 'Lanyard\u2019s database (encrypted)'}</dd>
<dt>App (client) id</dt><dd><code>${view.clientId}</code></dd>
<dt>Client secret expires</dt><dd>${time(view.clientSecretExpiresAt)}</dd>
</dl>
</section>
${page.actions ?? ''}
<h2>Customers</h2>
${page.customers.length
  ? html`<div class="table-wrap"><table id="customers" class="stack"><caption class="visually-hidden">Customers of ${view.partner}</caption>
<thead><tr><th scope="col">Customer</th><th scope="col">Domain</th><th scope="col">Reseller</th><th scope="col">Source</th></tr></thead>
<tbody>${page.customers.map((c) => html`<tr><td><a href="/admin/csp/${view.partner}/customers/${c.tenantId}">${c.companyName}</a></td><td data-label="Domain">${c.domain}</td><td data-label="Reseller">${c.resellerId ?? '—'}</td><td data-label="Source">${c.source}</td></tr>`)}</tbody></table></div>`
  : html`<p class="hint" id="customers">No customer yet.</p>`}`;
}

/** A customer's overview: who it is, how it is linked, its licences as Partner Center last reported them. */
export function customerBody(partner: CspPartner, view: CustomerView, actions: SafeHtml | '' = ''): SafeHtml {
  return html`<h1>${view.companyName}</h1>
<dl class="facts card" id="customer-facts">
<dt>Tenant id</dt><dd><code>${view.tenantId}</code></dd>
<dt>Initial domain</dt><dd>${view.domain}</dd>
<dt>Partner</dt><dd><a href="/admin/csp/${partner.slug}">${partner.slug}</a></dd>
<dt>Reseller</dt><dd>${view.resellerId ?? 'sold directly'}</dd>
<dt>Lanyard organization</dt><dd>${view.organization ? html`<a href="/admin/orgs/${view.organization}">${view.organization}</a>` : 'not linked'}</dd>
<dt>Customer agreement</dt><dd>${view.agreement ? html`accepted ${time(view.agreement.acceptedAt)}` : badge('not accepted', 'warn')}</dd>
</dl>
${actions}
<h2>Licences</h2>
${view.licences?.length
  ? html`<div class="table-wrap"><table id="licences" class="stack"><thead><tr><th scope="col">SKU</th><th scope="col">Assigned</th><th scope="col">Seats</th><th scope="col">Seen</th></tr></thead>
<tbody>${view.licences.map((l) => html`<tr><td>${l.skuPartNumber}</td><td data-label="Assigned">${l.consumed}</td><td data-label="Seats">${l.total}</td><td data-label="Seen">${time(l.seenAt)}</td></tr>`)}</tbody></table></div>`
  : html`<p class="hint" id="licences">No licence seen yet (the recurring import reads them).</p>`}`;
}
