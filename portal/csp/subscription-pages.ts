import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { CspCustomer, CspPartner } from '../../csp/data/tables.ts';
import type { ChargePreview, OrderPreview, QuantityPreview, TerminationPreview } from '../../csp/subscriptions/change-preview.ts';
import type { Offer } from '../../csp/subscriptions/offers.ts';
import type { ChangeView, SubscriptionView } from '../../csp/subscriptions/subscription-view.ts';
import { badge, csrfField, notice, reauthField, time } from '../pages/parts.ts';

export const subscriptionsPath = (partner: Pick<CspPartner, 'slug'>, customer: Pick<CspCustomer, 'tenantId'>) => `/admin/csp/${partner.slug}/customers/${customer.tenantId}/subscriptions`;

export interface SubscriptionRow {
  readonly view: SubscriptionView;
  /** The latest changes of the subscription, newest first: each is a job (queued → submitted → provisioning → succeeded | failed). */
  readonly changes: readonly ChangeView[];
}

export interface SubscriptionsPage {
  readonly partner: CspPartner;
  readonly customer: CspCustomer;
  readonly rows: readonly SubscriptionRow[];
  /** The catalog for the customer's country, when the admin may order (null: may not, or could not be read). */
  readonly offers: readonly Offer[] | null;
  readonly offersError?: string | undefined;
  readonly csrfToken: string;
  readonly mayOrder: boolean;
  readonly mayChange: boolean;
  readonly mayTerminate: boolean;
  readonly now: Date;
  readonly notice?: string | undefined;
}

const statusTone = (status: SubscriptionView['status']) => (status === 'active' ? 'ok' : status === 'ordering' || status === 'suspended' ? 'warn' : status === 'failed' ? 'bad' : '');
const changeTone = (state: ChangeView['state']) => (state === 'succeeded' ? 'ok' : state === 'failed' ? 'bad' : 'warn');

/**
 * Microsoft's cancellation window as Partner Center last stated it (termStateOf: its
 * `cancellationAllowedUntilDate` and `refundableQuantity`, never computed here).
 */
export function windowState(view: SubscriptionView, now: Date): { open: boolean; text: string } {
  if (!view.newCommerce) return { open: true, text: 'terminating suspends it now; deleted after the partner\u2019s delay' };
  if (view.cancellationAllowedUntil && now.getTime() <= Date.parse(view.cancellationAllowedUntil)) {
    return { open: true, text: `until ${view.cancellationAllowedUntil.slice(0, 16).replace('T', ' ')} UTC; ${view.refundableQuantity} licences removable` };
  }
  return { open: false, text: 'no cancellation or decrease until the renewal' };
}

export function subscriptionsBody(page: SubscriptionsPage): SafeHtml {
  const base = subscriptionsPath(page.partner, page.customer);
  return html`<h1>Subscriptions of ${page.customer.companyName}</h1>
${notice(page.notice)}
${page.rows.length
  ? html`<div class="table-wrap"><table id="subscriptions" class="stack"><caption class="visually-hidden">Subscriptions of ${page.customer.companyName}</caption>
<thead><tr><th scope="col">Subscription</th><th scope="col">Quantity</th><th scope="col">Term</th><th scope="col">Billing</th><th scope="col">State</th><th scope="col">Renews</th><th scope="col">Window</th>${page.mayChange || page.mayTerminate ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
<tbody>${page.rows.map(({ view }) => subscriptionRow(page, base, view))}</tbody></table></div>`
  : html`<p class="hint" id="subscriptions">No subscription yet.</p>`}
${changesSection(page)}
${page.mayOrder ? orderForm(page, base) : ''}
<p class="hint">Every change is a job: it is queued, sent to Partner Center with its request id, and its state shows below the list. <a href="${base}">Refresh</a> to see it move.</p>`;
}

function subscriptionRow(page: SubscriptionsPage, base: string, view: SubscriptionView): SafeHtml {
  const window = windowState(view, page.now);
  const changeable = view.status === 'active' && !view.locked;
  return html`<tr id="subscription-${view.id}"><td>${view.name}<br><span class="hint"><code class="wrap">${view.offerId}</code>${view.newCommerce ? '' : ' (legacy)'}</span></td>
<td data-label="Quantity">${view.quantity}${view.scheduledQuantity !== null ? html`<br><span class="hint">next term ${view.scheduledQuantity}</span>` : ''}</td>
<td data-label="Term">${view.termDuration}</td><td data-label="Billing">${view.billingCycle}</td>
<td data-label="State">${badge(view.status, statusTone(view.status))}${view.locked ? html` ${badge('change in progress', 'warn')}` : ''}</td>
<td data-label="Renews">${view.commitmentEndDate ? html`${view.commitmentEndDate.slice(0, 10)} <span class="hint">auto-renew ${view.autoRenew ? 'on' : 'off'}</span>` : '—'}${view.deleteAfter ? html`<br><span class="hint">deleted after ${view.deleteAfter.slice(0, 10)}</span>` : ''}</td>
<td data-label="Window">${view.newCommerce ? badge(window.open ? 'open' : 'closed', window.open ? 'ok' : 'warn') : badge('legacy')} <span class="hint">${window.text}</span></td>
${page.mayChange || page.mayTerminate
  ? html`<td><div class="actions">${page.mayChange && changeable
    ? html`<form method="get" action="${base}/${view.id}/quantity"><label for="quantity-${view.id}" class="visually-hidden">New quantity of ${view.name}</label><input type="text" inputmode="numeric" id="quantity-${view.id}" name="quantity" value="${view.quantity}" required pattern="[0-9]{1,6}"><button type="submit" class="secondary">Change quantity…</button></form>`
    : ''}${page.mayTerminate && changeable ? html`<a class="button danger" href="${base}/${view.id}/terminate" aria-label="Terminate ${view.name}">Terminate…</a>` : ''}</div></td>`
  : ''}</tr>`;
}

function changesSection(page: SubscriptionsPage): SafeHtml | '' {
  const changes = page.rows.flatMap(({ view, changes }) => changes.map((change) => ({ view, change })));
  if (!changes.length) return '';
  return html`<h2>Changes</h2>
<div class="table-wrap"><table id="changes" class="stack"><caption class="visually-hidden">Changes and their jobs</caption>
<thead><tr><th scope="col">Subscription</th><th scope="col">Change</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Finished</th></tr></thead>
<tbody>${changes.map(({ view, change }) => html`<tr data-change="${change.id}"><td>${view.name}</td><td data-label="Change">${change.kind}</td><td data-label="State">${badge(change.state, changeTone(change.state))}${change.errorCode ? html` <code>${change.errorCode}</code>` : ''}</td><td data-label="Started">${time(change.createdAt)}</td><td data-label="Finished">${time(change.finishedAt)}</td></tr>`)}</tbody></table></div>`;
}

function orderForm(page: SubscriptionsPage, base: string): SafeHtml {
  if (!page.offers) return html`<h2>Order</h2><p class="error" id="offers-error">${page.offersError ?? 'The catalog could not be read.'}</p>`;
  return html`<h2>Order a subscription</h2>
${page.customer.agreementAcceptedAt ? '' : html`<p class="notice" id="agreement-needed">Microsoft takes no order until the customer's acceptance of the Microsoft Customer Agreement is recorded (the customer overview).</p>`}
<form class="filters card" method="get" action="${base}/order" id="order-form">
<div><label for="order-offer">Offer</label><select id="order-offer" name="offer" required>${page.offers.map((offer) => html`<option value="${offer.offerId}">${offer.name} (${offer.isNewCommerce ? 'new commerce' : 'legacy'}, ${offer.minimumQuantity}–${offer.maximumQuantity})</option>`)}</select></div>
<div><label for="order-quantity">Quantity</label><input type="text" inputmode="numeric" id="order-quantity" name="quantity" required pattern="[0-9]{1,6}" value="1"></div>
<div><label for="order-term">Term</label><select id="order-term" name="term"><option value="">Default</option><option value="P1M">P1M (one month)</option><option value="P1Y">P1Y (one year)</option><option value="P3Y">P3Y (three years)</option></select></div>
<div><label for="order-billing">Billing</label><select id="order-billing" name="billing"><option value="">Default</option><option value="monthly">monthly</option><option value="annual">annual</option></select></div>
<div><label for="order-name">Name (optional)</label><input type="text" id="order-name" name="name" maxlength="128"></div>
<button type="submit">Preview order…</button>
</form>`;
}

/** The charge as the billing line will state it, and the documented warning when no price is known. */
function chargeFacts(charge: ChargePreview): SafeHtml {
  if (charge.kind === 'none') return html`<p id="charge">No charge: a decrease bills nothing.</p>`;
  return html`<dl class="facts card" id="charge">
<dt>Charged</dt><dd id="charge-amount"><strong>${charge.amount} ${charge.currency}</strong></dd>
<dt>Licences</dt><dd>${charge.quantity}</dd>
<dt>Unit price</dt><dd>${charge.unitPrice} ${charge.currency} <span class="hint">per licence and full term (${charge.priceSource === 'partner' ? 'your price list' : charge.priceSource === 'catalog' ? 'catalog list price' : 'no price known'})</span></dd>
<dt>Term share</dt><dd id="charge-share">${charge.share}${charge.prorated ? ' (prorated)' : ' (full term)'}</dd>
<dt>Period</dt><dd>${charge.periodStart ?? '?'} – ${charge.periodEnd ?? '?'}</dd>
</dl>
${charge.warning ? html`<p class="error" role="alert" id="price-warning">Warning: ${charge.warning}</p>` : ''}`;
}

export function orderPreviewBody(partner: CspPartner, customer: CspCustomer, preview: OrderPreview, input: { term: string; billing: string; name: string }, csrfToken: string): SafeHtml {
  const base = subscriptionsPath(partner, customer);
  return html`<h1>Order ${preview.offerName}</h1>
<dl class="facts card" id="order-summary">
<dt>Customer</dt><dd>${preview.customer}</dd>
<dt>Offer</dt><dd><code class="wrap">${preview.offerId}</code> ${preview.newCommerce ? '(new commerce)' : '(legacy)'}</dd>
<dt>Name</dt><dd>${preview.name}</dd>
<dt>Quantity</dt><dd>${preview.quantity} <span class="hint">(${preview.minimumQuantity}–${preview.maximumQuantity})</span></dd>
<dt>Term</dt><dd>${preview.termDuration}, billed ${preview.billingCycle}${preview.customTermEndDate ? html`, co-termed to ${preview.customTermEndDate.slice(0, 10)}` : ''}</dd>
</dl>
<h2>What it costs</h2>
${chargeFacts(preview.charge)}
<form class="card" method="post" action="${base}" id="confirm-order">${csrfField(csrfToken)}
<input type="hidden" name="offer" value="${preview.offerId}"><input type="hidden" name="quantity" value="${preview.quantity}">
<input type="hidden" name="term" value="${input.term}"><input type="hidden" name="billing" value="${input.billing}"><input type="hidden" name="name" value="${input.name}">
<p>Partner Center places the order when you confirm; it runs as a job and its state shows on the subscriptions page.</p>
<button type="submit">Order ${preview.quantity} × ${preview.offerName}</button>
</form>
<p><a href="${base}">Back to subscriptions</a></p>`;
}

export function quantityPreviewBody(partner: CspPartner, customer: CspCustomer, preview: QuantityPreview, csrfToken: string): SafeHtml {
  const base = subscriptionsPath(partner, customer);
  const view = preview.subscription;
  return html`<h1>Change ${view.name}</h1>
<p id="quantity-summary">From <strong>${preview.from}</strong> to <strong>${preview.to}</strong> licences (${view.termDuration}, billed ${view.billingCycle}; term ${view.termStartDate?.slice(0, 10) ?? '?'} – ${view.commitmentEndDate?.slice(0, 10) ?? '?'}).</p>
<h2>What it costs</h2>
${chargeFacts(preview.charge)}
<form class="card" method="post" action="${base}/${view.id}/quantity" id="confirm-quantity">${csrfField(csrfToken)}
<input type="hidden" name="quantity" value="${preview.to}">
<button type="submit">Set ${preview.to} licences</button>
</form>
<p><a href="${base}">Back to subscriptions</a></p>`;
}

export function terminationBody(partner: CspPartner, customer: CspCustomer, preview: TerminationPreview, csrfToken: string, freshSecondFactor: boolean, mayChange: boolean): SafeHtml {
  const base = subscriptionsPath(partner, customer);
  const view = preview.subscription;
  const window = preview.window;
  return html`<h1>Terminate ${view.name}</h1>
<section class="card" id="window" aria-labelledby="window-title"><h2 id="window-title">Microsoft's cancellation window</h2>
${preview.outcome === 'cancel'
  ? html`<p id="window-state">${badge('inside the window', 'ok')} Partner Center allows the cancellation until ${time(window!.cancellationAllowedUntil)} (7 days after the purchase or the renewal).</p>
<p>Cancelling now costs nothing: Microsoft refunds the unused term (prorated) and bills no further; ${window!.refundableQuantity} of ${view.quantity} licences are refundable. Lanyard writes no billing line for a termination.</p>`
  : preview.outcome === 'suspend'
    ? html`<p id="window-state">${badge('legacy offer')} The subscription is suspended at once (its users lose the licences) and deleted in Partner Center and in Lanyard ${preview.legacyTerminationDays} days later.</p>`
    : html`<p id="window-state">${badge('outside the window', 'warn')} ${preview.refusal!.message}</p>
<p>It cannot be cancelled now. What you can do instead:</p>
<ul class="checklist" id="alternatives"><li class="warn">Turn auto-renew off: the subscription ends on ${window?.commitmentEndDate?.slice(0, 10) ?? 'its term end'} and is not billed again.</li><li class="warn">Schedule fewer licences for the next term: the renewal starts with that quantity.</li></ul>
${mayChange ? alternativesForms(base, view, csrfToken) : ''}`}
</section>
${preview.outcome !== 'refused'
  ? html`<form class="card" method="post" action="${base}/${view.id}/terminate" id="confirm-terminate">${csrfField(csrfToken)}
<p>This ends ${view.quantity} licences of ${view.name} for ${customer.companyName}.</p>
${reauthField('terminate-code', freshSecondFactor, 'Your authenticator code to confirm')}
<button type="submit" class="danger">Terminate ${view.name}</button></form>`
  : ''}
<p><a href="${base}">Back to subscriptions</a></p>`;
}

function alternativesForms(base: string, view: SubscriptionView, csrfToken: string): SafeHtml {
  return html`<div class="actions">
${view.autoRenew
  ? html`<form method="post" action="${base}/${view.id}/auto-renew" id="auto-renew-off">${csrfField(csrfToken)}<input type="hidden" name="state" value="off"><button type="submit" class="secondary">Turn auto-renew off</button></form>`
  : html`<p class="hint">Auto-renew is already off.</p>`}
<form method="post" action="${base}/${view.id}/schedule" id="schedule-form">${csrfField(csrfToken)}<label for="schedule-quantity">Licences next term</label><input type="text" inputmode="numeric" id="schedule-quantity" name="quantity" required pattern="[0-9]{1,6}" value="${view.minimumQuantity}"><button type="submit" class="secondary">Schedule</button></form>
</div>`;
}

/** A preview refused by a check (out of range, cap, window, agreement…): the reason and the way back. */
export function previewRefusedBody(partner: CspPartner, customer: CspCustomer, title: string, message: string, code: string): SafeHtml {
  return html`<h1>${title}</h1>
<p class="error" role="alert" id="preview-error">${message}</p>
<p class="hint">Code: <code id="preview-error-code">${code}</code></p>
<p><a href="${subscriptionsPath(partner, customer)}">Back to subscriptions</a></p>`;
}
