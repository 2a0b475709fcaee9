import { html, type SafeHtml } from '../../core/pages/html.ts';
import type { CspCustomer, CspPartner } from '../../csp/data/tables.ts';
import type { CustomerUserView } from '../../csp/users/user-admin.ts';
import type { TenantSku } from '../../csp/users/tenant-facts.ts';
import { formErrorSummary, keptValue, type FormRefusal } from '../form-refusal.ts';
import { badge, csrfField, notice } from '../pages/parts.ts';
import { cspPaths } from './csp-routes.ts';

export const usersBase = (partner: CspPartner, customer: CspCustomer) => cspPaths.customerPage(partner, customer, 'users');

export interface CustomerUsersPage {
  readonly partner: CspPartner;
  readonly customer: CspCustomer;
  readonly users: readonly CustomerUserView[];
  /** The UPN to continue after, for the next page; null on the last. */
  readonly next: string | null;
  readonly search: string;
  readonly total: number;
  readonly licences: readonly TenantSku[];
  readonly verifiedDomains: readonly string[];
  readonly csrfToken: string;
  readonly mayManage: boolean;
  readonly mayDelete: boolean;
  readonly freshSecondFactor: boolean;
  readonly notice?: string | undefined;
  /** An action refused for what was asked (no seats left, a domain not verified…), shown above the users. */
  readonly refusal?: FormRefusal | undefined;
  /** The refusal came from the add form: it is filled again with what was typed. */
  readonly addFormRefused?: boolean;
}

const seats = (sku: TenantSku) => `${sku.consumed} of ${sku.total} assigned, ${sku.available} available`;

/** The customer tenant's users (search, paging) with their licences; the seats of each subscribed SKU; add a user. */
export function customerUsersBody(page: CustomerUsersPage): SafeHtml {
  const base = usersBase(page.partner, page.customer);
  return html`<h1>Users &amp; licences of ${page.customer.companyName}</h1>
${notice(page.notice)}
${formErrorSummary(page.refusal, 'user-problem')}
<h2>Licences</h2>
${page.licences.length
  ? html`<div class="table-wrap"><table id="licences" class="stack"><caption class="visually-hidden">Subscribed SKUs and their seats</caption>
<thead><tr><th scope="col">SKU</th><th scope="col">Assigned</th><th scope="col">Seats</th><th scope="col">Available</th><th scope="col">Status</th></tr></thead>
<tbody>${page.licences.map((sku) => html`<tr data-sku="${sku.skuPartNumber}"><td><strong>${sku.skuPartNumber}</strong><br><span class="hint">${sku.skuId}</span></td><td data-label="Assigned">${sku.consumed}</td><td data-label="Seats">${sku.total}</td><td data-label="Available">${sku.available === 0 ? badge('0', 'bad') : String(sku.available)}</td><td data-label="Status">${sku.capabilityStatus}</td></tr>`)}</tbody></table></div>`
  : html`<p class="hint" id="licences">The customer subscribes no SKU yet: order a subscription first.</p>`}
<h2>Users</h2>
<form class="filters" method="get" action="${base}" role="search">
<div><label for="q">Search by name or UPN</label><input type="search" id="q" name="q" value="${page.search}" maxlength="200"></div>
<button type="submit">Search</button>
</form>
<p class="hint" id="user-count">${page.total} user${page.total === 1 ? '' : 's'}${page.search ? ` match “${page.search}”` : ' in the tenant'}.</p>
${page.mayDelete && !page.freshSecondFactor ? html`<p class="hint" id="reauth-hint">Removing a user asks for a fresh code from your own authenticator app.</p>` : ''}
<div class="table-wrap"><table id="users" class="stack"><caption class="visually-hidden">Users of ${page.customer.companyName}</caption>
<thead><tr><th scope="col">User</th><th scope="col">Sign-in</th><th scope="col">Licences</th>${page.mayManage ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
<tbody>${page.users.map((user) => userRow(page, base, user))}</tbody></table></div>
${page.users.length === 0 ? html`<p class="hint">No user matches.</p>` : ''}
<div class="pager">${page.next ? html`<a class="button secondary" id="next-page" href="${base}?${new URLSearchParams({ ...(page.search && { q: page.search }), after: page.next }).toString()}">Next page</a>` : ''}</div>
${page.mayManage ? addUserForm(page, base) : ''}`;
}

function userRow(page: CustomerUsersPage, base: string, user: CustomerUserView): SafeHtml {
  const held = new Set(user.licences.map((licence) => licence.skuId));
  const assignable = page.licences.filter((sku) => !held.has(sku.skuId));
  return html`<tr id="user-${user.id}"><td><strong>${page.mayManage ? html`<a href="${base}/${user.id}" aria-label="Change ${user.userPrincipalName}">${user.userPrincipalName}</a>` : user.userPrincipalName}</strong><br><span class="hint">${user.displayName}${user.usageLocation ? ` · ${user.usageLocation}` : ''}</span></td>
<td data-label="Sign-in">${user.accountEnabled === false ? badge('disabled', 'bad') : badge('enabled', 'ok')}</td>
<td data-label="Licences">${user.licences.length
    ? html`<ul class="plain">${user.licences.map((licence) => html`<li>${licence.skuPartNumber ?? licence.skuId}${page.mayManage
        ? html` <form class="inline" method="post" action="${base}/${user.id}/licences">${csrfField(page.csrfToken)}<input type="hidden" name="sku" value="${licence.skuId}"><input type="hidden" name="action" value="remove"><button type="submit" class="secondary small" aria-label="Remove ${licence.skuPartNumber ?? licence.skuId} from ${user.userPrincipalName}">Remove</button></form>`
        : ''}</li>`)}</ul>`
    : html`<span class="hint">none</span>`}</td>
${page.mayManage
  ? html`<td><div class="actions">
${assignable.length
    ? html`<form method="post" action="${base}/${user.id}/licences">${csrfField(page.csrfToken)}<input type="hidden" name="action" value="assign"><label class="visually-hidden" for="sku-${user.id}">Licence to assign to ${user.userPrincipalName}</label><select id="sku-${user.id}" name="sku">${assignable.map((sku) => html`<option value="${sku.skuId}">${sku.skuPartNumber} (${sku.available} free)</option>`)}</select><button type="submit" aria-label="Assign the licence to ${user.userPrincipalName}">Assign</button></form>`
    : ''}
${page.mayDelete
    ? html`<form method="post" action="${base}/${user.id}/remove">${csrfField(page.csrfToken)}${page.freshSecondFactor
        ? ''
        : html`<label class="visually-hidden" for="code-${user.id}">Your authenticator code to confirm</label><input type="text" id="code-${user.id}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" placeholder="your code" required>`}<button type="submit" class="danger" aria-label="Remove user ${user.userPrincipalName}">Remove user</button></form>`
    : ''}
</div></td>`
  : ''}</tr>`;
}

/** The UPN as alias and one of the verified domains, so no other domain can be typed. */
function upnFields(prefix: string, domains: readonly string[], upn?: string): SafeHtml {
  const [alias, domain] = upn ? [upn.slice(0, upn.indexOf('@')), upn.slice(upn.indexOf('@') + 1)] : ['', domains[0]];
  return html`<div><label for="${prefix}-alias">User name (before the @)</label><input type="text" id="${prefix}-alias" name="alias" required maxlength="64" autocomplete="off" value="${alias}"></div>
<div><label for="${prefix}-domain">Domain (verified domains only)</label><select id="${prefix}-domain" name="domain">${domains.map((name) => html`<option value="${name}"${name === domain ? html` selected` : ''}>@${name}</option>`)}</select></div>`;
}

function addUserForm(page: CustomerUsersPage, base: string): SafeHtml {
  const typed = page.addFormRefused ? page.refusal : undefined;
  const upn = typed ? `${keptValue(typed, 'alias')}@${keptValue(typed, 'domain')}` : undefined;
  return html`<h2>Add a user</h2>
<form class="filters card" method="post" action="${base}" id="add-user">${csrfField(page.csrfToken)}
<div><label for="add-name">Display name</label><input type="text" id="add-name" name="name" required maxlength="256" autocomplete="off" value="${keptValue(typed, 'name')}"></div>
${upnFields('add', page.verifiedDomains, upn)}
<div><label for="add-location">Usage location</label><input type="text" id="add-location" name="usageLocation" maxlength="2" autocomplete="off" value="${typed ? keptValue(typed, 'usageLocation') : page.customer.country ?? ''}" pattern="[A-Za-z]{2}" placeholder="DE"></div>
${page.licences.length
  ? html`<fieldset class="choices"><legend>Licences</legend>${page.licences.map((sku) => html`<label><input type="checkbox" name="sku-${sku.skuId}" value="on"${typed?.values.get(`sku-${sku.skuId}`) === 'on' ? html` checked` : ''}> ${sku.skuPartNumber} <span class="hint">(${seats(sku)})</span></label>`)}</fieldset>`
  : ''}
<button type="submit">Add user</button>
</form>
<p class="hint">Microsoft creates the account with a generated password, shown once on the next page; the person changes it at the first sign-in.</p>`;
}

export interface UserAddedPage {
  readonly partner: CspPartner;
  readonly customer: CspCustomer;
  readonly user: CustomerUserView;
  readonly password: string;
}

/** The one time the generated password is shown. */
export function userAddedBody(page: UserAddedPage): SafeHtml {
  return html`<h1>${page.user.userPrincipalName} is added</h1>
<div class="card" id="user-added">
<p>Give this password to ${page.user.displayName} by a safe way. It is shown only now; Microsoft asks for a new one at the first sign-in.</p>
<p><label for="new-password">Password</label><br><input type="text" id="new-password" readonly value="${page.password}" class="mono"></p>
<p>Licences: ${page.user.licences.map((licence) => licence.skuPartNumber ?? licence.skuId).join(', ') || 'none'}</p>
</div>
<p><a href="${usersBase(page.partner, page.customer)}">Back to users</a></p>`;
}

export interface UserChangePage {
  readonly partner: CspPartner;
  readonly customer: CspCustomer;
  readonly user: CustomerUserView;
  readonly verifiedDomains: readonly string[];
  readonly csrfToken: string;
  /** The change was refused for what was typed: shown on the form, the values kept. */
  readonly refusal?: FormRefusal | undefined;
}

/** Change a user's name, UPN (verified domains only), usage location and sign-in. */
export function userChangeBody(page: UserChangePage): SafeHtml {
  const base = usersBase(page.partner, page.customer);
  const { user, refusal } = page;
  // After a refusal the form shows what was typed; otherwise the user as Graph has it.
  const typed = (name: string, saved: string) => (refusal ? keptValue(refusal, name) : saved);
  const upn = refusal ? `${keptValue(refusal, 'alias')}@${keptValue(refusal, 'domain')}` : user.userPrincipalName;
  const enabled = refusal ? keptValue(refusal, 'enabled') !== 'off' : user.accountEnabled !== false;
  return html`<h1>Change ${user.userPrincipalName}</h1>
<form class="card" method="post" action="${base}/${user.id}" id="change-user">${csrfField(page.csrfToken)}
${formErrorSummary(refusal, 'change-error')}
<div class="fields">
<div><label for="change-name">Display name</label><input type="text" id="change-name" name="name" required maxlength="256" value="${typed('name', user.displayName)}"></div>
${upnFields('change', page.verifiedDomains, upn)}
<div><label for="change-location">Usage location</label><input type="text" id="change-location" name="usageLocation" maxlength="2" pattern="[A-Za-z]{2}" value="${typed('usageLocation', user.usageLocation ?? '')}"></div>
<div><label for="change-enabled">Sign-in</label><select id="change-enabled" name="enabled"><option value="on"${enabled ? html` selected` : ''}>Allowed</option><option value="off"${enabled ? '' : html` selected`}>Blocked</option></select></div>
</div>
<button type="submit">Save</button>
</form>
<p><a href="${base}">Back to users</a></p>`;
}
