import { randomBytes, randomUUID } from 'node:crypto';
import { assignDirectoryRole } from '../state/directory-roles.ts';
import type { Tenant } from '../state/model.ts';
import { pagedCollection, resourceAttributes } from './collections.ts';
import { bodyObject, customerOf, stringField } from './customer-access.ts';
import type { PartnerCenterCall, PartnerCenterResponse, PartnerCenterRoute } from './dispatcher.ts';
import { invalidProperty, PartnerCenterError } from './errors.ts';
import type { Customer, CustomerAgreement } from './model.ts';

const onMicrosoftSuffix = '.onmicrosoft.com';
/** EMULATOR CHOICE: the prefix rule (letters and digits, up to 27), stricter than Entra's. */
const domainPrefix = /^[a-z0-9]{1,27}$/i;

/** `HEAD /v1/domains/{domain}`: 200 when the domain exists (taken), 404 when it is free; empty bodies. */
function domainAvailability(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  return { status: call.context.state.findDomain(parameters.domain ?? '') ? 200 : 404 };
}

export function customerResource(customer: Customer, tenant: Tenant, detail: boolean): Record<string, unknown> {
  const companyProfile = {
    tenantId: customer.id,
    domain: customer.domain,
    companyName: customer.companyName,
    attributes: resourceAttributes('CustomerCompanyProfile'),
  };
  const resource: Record<string, unknown> = {
    id: customer.id,
    commerceId: customer.commerceId,
    companyProfile,
    relationshipToPartner: 'reseller',
    allowDelegatedAccess: true,
    ...(customer.associatedPartnerId ? { associatedPartnerId: customer.associatedPartnerId } : {}),
    links: { self: { uri: `/customers/${customer.id}`, method: 'GET', headers: [] } },
    attributes: resourceAttributes('Customer'),
  };
  if (detail) {
    resource.billingProfile = customer.billingProfile;
    resource.customDomains = [...tenant.domains.values()].filter((domain) => !domain.isInitial).map((domain) => domain.id);
  }
  return resource;
}

function listCustomers(call: PartnerCenterCall): PartnerCenterResponse {
  const { state } = call.context;
  const items = state.partnerCenter.customersOf(call.caller.partner.tenantId).map((customer) =>
    customerResource(customer, state.tenants.get(customer.id) as Tenant, false),
  );
  return { status: 200, body: pagedCollection(call, items) };
}

function getCustomer(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer, tenant } = customerOf(call, parameters.customerId ?? '');
  return { status: 200, body: customerResource(customer, tenant, true) };
}

/** A password meeting Entra's complexity rule, shown once in the create answer. */
function generatedPassword(): string {
  return `${randomBytes(9).toString('base64url')}Aa1!`;
}

/**
 * `POST /v1/customers` → 201: a new tenant `{prefix}.onmicrosoft.com` (the Graph part serves it at once)
 * with a Global Administrator `admin@{domain}` whose password is returned here only.
 */
function createCustomer(call: PartnerCenterCall): PartnerCenterResponse {
  const body = bodyObject(call);
  const company = (body.companyProfile ?? {}) as Record<string, unknown>;
  const billing = (body.billingProfile ?? undefined) as Record<string, unknown> | undefined;
  const domain = stringField(company, 'domain')?.toLowerCase();
  if (!domain) throw invalidProperty('CompanyProfile.Domain is required.');
  const prefix = domain.endsWith(onMicrosoftSuffix) ? domain.slice(0, -onMicrosoftSuffix.length) : domain;
  if (!domainPrefix.test(prefix)) throw invalidProperty(`The domain prefix ${prefix} is invalid: use 1 to 27 letters and digits.`);
  if (!billing || typeof billing !== 'object') throw invalidProperty('BillingProfile is required.');
  const address = (billing.defaultAddress ?? {}) as Record<string, unknown>;
  for (const field of ['email', 'culture', 'language', 'companyName']) {
    if (!stringField(billing, field)) throw invalidProperty(`BillingProfile.${field.charAt(0).toUpperCase()}${field.slice(1)} is required.`);
  }
  for (const field of ['country', 'city', 'addressLine1', 'firstName', 'lastName']) {
    if (!stringField(address, field)) throw invalidProperty(`BillingProfile.DefaultAddress.${field.charAt(0).toUpperCase()}${field.slice(1)} is required.`);
  }
  const { state } = call.context;
  // EMULATOR CHOICE: a taken prefix is 409 with code 3000 (clients are told to HEAD /domains first).
  if (state.findDomain(`${prefix}${onMicrosoftSuffix}`)) {
    throw new PartnerCenterError(409, 3000, `The domain ${prefix}${onMicrosoftSuffix} is not available.`);
  }
  const companyName = stringField(billing, 'companyName') as string;
  const tenant = state.createTenant({ name: prefix.toLowerCase(), displayName: companyName });
  const password = generatedPassword();
  const admin = state.addUser(tenant, { userPrincipalName: `admin@${prefix.toLowerCase()}${onMicrosoftSuffix}`, displayName: 'admin', password });
  assignDirectoryRole(tenant, 'Global Administrator', admin.id);
  const customer: Customer = {
    id: tenant.id,
    partnerTenantId: call.caller.partner.tenantId,
    commerceId: randomUUID(),
    companyName,
    domain: `${prefix.toLowerCase()}${onMicrosoftSuffix}`,
    billingProfile: { id: randomUUID(), ...billing, attributes: resourceAttributes('CustomerBillingProfile', randomUUID()) },
    ...(stringField(body, 'associatedPartnerId') ? { associatedPartnerId: stringField(body, 'associatedPartnerId') as string } : {}),
    agreements: [],
    applicationConsents: new Map(),
  };
  state.partnerCenter.customers.set(customer.id, customer);
  // A customer of the partner: the partner's refresh token gets tokens for this tenant (delegated access).
  state.delegatedAccess.relationships.add(call.caller.tenant.id, tenant.id);
  return {
    status: 201,
    body: { ...customerResource(customer, tenant, true), userCredentials: { userName: 'admin', password } },
  };
}

/** Agreement metadata: `agreementType` defaults to MicrosoftCloudAgreement; `All` lists both. */
function agreementMetadata(call: PartnerCenterCall): PartnerCenterResponse {
  const type = call.request.query.get('agreementType') ?? 'MicrosoftCloudAgreement';
  const templateId = call.context.state.partnerCenter.catalog.mcaTemplateId;
  const all = [
    { templateId, agreementType: 'MicrosoftCustomerAgreement', agreementLink: 'https://aka.ms/customeragreement', versionRank: 0 },
    { templateId: '998b88de-aa99-4388-a42c-1b3517d49490', agreementType: 'MicrosoftCloudAgreement', agreementLink: 'https://aka.ms/microsoftcloudagreement', versionRank: 0 },
  ];
  const items = all
    .filter((item) => type.toLowerCase() === 'all' || item.agreementType.toLowerCase() === type.toLowerCase())
    .map((item) => ({ ...item, attributes: resourceAttributes('AgreementMetaData') }));
  return { status: 200, body: { totalCount: items.length, items, attributes: { objectType: 'Collection' } } };
}

function agreementResource(agreement: CustomerAgreement): Record<string, unknown> {
  return { ...agreement, attributes: resourceAttributes('Agreement') };
}

/**
 * `POST /v1/customers/{id}/agreements` (App+User only) → 201, the record plus the confirming `userId`.
 * The same contact again gives 600061 in the newer error format (reference C.0).
 */
function confirmAgreement(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const body = bodyObject(call);
  const contact = (body.primaryContact ?? {}) as Record<string, unknown>;
  for (const field of ['firstName', 'lastName', 'email']) {
    if (!stringField(contact, field)) throw invalidProperty(`PrimaryContact.${field} is required.`);
  }
  if (body.type !== 'MicrosoftCustomerAgreement') throw invalidProperty('Type must be MicrosoftCustomerAgreement.');
  if (body.templateId !== call.context.state.partnerCenter.catalog.mcaTemplateId) {
    throw invalidProperty('TemplateId is not the current Microsoft Customer Agreement template; read GET /v1/agreements first.');
  }
  const dateAgreed = stringField(body, 'dateAgreed');
  if (!dateAgreed || Number.isNaN(Date.parse(dateAgreed))) throw invalidProperty('DateAgreed must be a date.');
  const primaryContact = Object.fromEntries(
    Object.entries(contact).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const same = customer.agreements.some((existing) => JSON.stringify(existing.primaryContact) === JSON.stringify(primaryContact));
  if (same) {
    const message = 'A partner confirmed agreement already exists for the customer.';
    throw new PartnerCenterError(409, 600061, message, [], {}, { message, errorName: 'PartnerConfirmedAgreementAlreadyExists', isRetryable: false, parameters: {} });
  }
  const agreement: CustomerAgreement = {
    primaryContact,
    templateId: body.templateId,
    dateAgreed: new Date(dateAgreed).toISOString(),
    type: 'MicrosoftCustomerAgreement',
    userId: call.caller.userId as string,
  };
  customer.agreements.push(agreement);
  return { status: 201, body: agreementResource(agreement) };
}

function listAgreements(call: PartnerCenterCall, parameters: Readonly<Record<string, string>>): PartnerCenterResponse {
  const { customer } = customerOf(call, parameters.customerId ?? '');
  const type = call.request.query.get('agreementType');
  const items = customer.agreements.filter((agreement) => !type || type.toLowerCase() === 'all' || agreement.type.toLowerCase() === type.toLowerCase());
  return { status: 200, body: { totalCount: items.length, items: items.map(agreementResource), attributes: { objectType: 'Collection' } } };
}

export const customerRoutes: readonly PartnerCenterRoute[] = [
  { method: 'HEAD', pattern: /^\/domains\/(?<domain>[^/]+)\/?$/, handler: domainAvailability },
  { method: 'GET', pattern: /^\/customers\/?$/, handler: listCustomers },
  { method: 'POST', pattern: /^\/customers\/?$/, handler: createCustomer, appPlusUser: true, idempotent: true },
  { method: 'GET', pattern: /^\/customers\/(?<customerId>[^/]+)\/?$/, handler: getCustomer },
  { method: 'GET', pattern: /^\/agreements\/?$/, handler: agreementMetadata },
  { method: 'GET', pattern: /^\/customers\/(?<customerId>[^/]+)\/agreements\/?$/, handler: listAgreements },
  { method: 'POST', pattern: /^\/customers\/(?<customerId>[^/]+)\/agreements\/?$/, handler: confirmAgreement, appPlusUser: true },
];
