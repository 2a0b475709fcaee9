import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { LanyardError, isLanyardError } from '../../core/errors.ts';
import { requireOrganization } from '../../idp/accounts/organizations.ts';
import { findCustomerByDomain, findCustomerByOrganization, findCustomerByTenant, insertCustomer, linkCustomerOrganization } from '../data/customers.ts';
import type { CspCustomer } from '../data/tables.ts';
import { openPartnerCenter } from '../partner-center/open-partner-center.ts';
import type { PartnerCenterClient } from '../partner-center/partner-center-client.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { mailAdminPassword } from './admin-password-mail.ts';
import { partnerForReseller } from './reseller-routing.ts';
import type { CustomerDeps } from './customer-deps.ts';
import { validateNewCustomer, type NewCustomerInput } from './customer-input.ts';
import { customerView, type CustomerView } from './customer-view.ts';

/** Partner Center's answer to `POST /v1/customers` (the fields Lanyard reads). */
interface CreatedCustomer {
  id: string;
  associatedPartnerId?: string;
  companyProfile?: { tenantId?: string; domain?: string; companyName?: string };
  billingProfile?: Record<string, unknown>;
  userCredentials?: { userName?: string; password?: string };
}

export interface CreatedCustomerReport {
  readonly customer: CustomerView;
  /** The tenant's first Global Administrator. */
  readonly adminUser: string;
  /** Shown this once (null when it was mailed); Lanyard stores it nowhere. */
  readonly adminPassword: string | null;
  readonly passwordMailedTo: string | null;
  /** Why a password meant to be mailed is shown instead. */
  readonly passwordShownBecause: string | null;
  readonly warnings: readonly string[];
}

/**
 * Creates a Microsoft customer through Partner Center and records it: checks every field, that an
 * organization named by `--org` exists and is free, that the prefix is free (`HEAD
 * /v1/domains/{domain}`), then `POST /v1/customers` and the row. The generated admin password is
 * returned (or mailed) once and never stored or logged.
 *
 * If the process dies between Partner Center's answer and the row, the customer exists at Microsoft
 * only: `csp customer import` finds it (by tenant id) and records it; its password is then lost, and
 * is reset in the Microsoft 365 admin center.
 *
 * @example
 *   const report = await createCustomer(deps, 'contoso-csp', { company: 'Fabrikam', domainPrefix: 'fabrikam', … }, 'cli');
 */
export async function createCustomer(deps: CustomerDeps, partnerSlug: string, input: NewCustomerInput, actor: string): Promise<CreatedCustomerReport> {
  const valid = validateNewCustomer(input);
  const partner = await requirePartner(deps.db, partnerSlug);
  if (valid.reseller) await requireServingPartner(deps, partner.slug, valid.reseller);
  const organization = valid.organization !== undefined ? await requireOrganization(deps.db, valid.organization) : undefined;
  if (organization) {
    const linked = await findCustomerByOrganization(deps.db, organization.id);
    if (linked) throw new LanyardError('CSP_ORGANIZATION_LINKED', `organization ${organization.slug} is already linked to customer ${linked.domain}`, { organization: organization.slug, customer: linked.domain });
  }
  const mailTo = valid.mailPasswordTo === 'billing' ? valid.billingEmail : valid.mailPasswordTo === 'customer' ? valid.email : undefined;
  if (mailTo && !deps.config.smtp) {
    throw new LanyardError('CSP_MAIL_NOT_CONFIGURED', '--mail-password-to needs an SMTP server: set LANYARD_SMTP_URL and LANYARD_SMTP_FROM, or leave the option out to have the password shown once');
  }
  if (await findCustomerByDomain(deps.db, valid.domain)) throw prefixTaken(valid.domain, 'Lanyard already has a customer with it');

  const client = openPartnerCenter(deps, partner, actor);
  if (await domainExists(client, valid.domain)) throw prefixTaken(valid.domain, 'Microsoft has a tenant with it');

  const address: Record<string, string> = {
    country: valid.country,
    city: valid.city,
    addressLine1: valid.address,
    postalCode: valid.postalCode,
    firstName: valid.firstName,
    lastName: valid.lastName,
    ...(valid.state ? { state: valid.state } : {}),
    ...(valid.phone ? { phoneNumber: valid.phone } : {}),
  };
  const billingProfile = { email: valid.email, culture: 'en-US', language: 'en', companyName: valid.company, defaultAddress: address };
  let created: CreatedCustomer;
  try {
    ({ body: created } = await client.call<CreatedCustomer>('POST', '/v1/customers', { body: { companyProfile: { domain: valid.domain }, billingProfile, ...(valid.reseller ? { associatedPartnerId: valid.reseller } : {}) } }));
  } catch (error) {
    // Taken between the check and the create (Partner Center answers 409).
    if (isLanyardError(error) && error.details?.status === 409) throw prefixTaken(valid.domain, 'Microsoft has a tenant with it');
    await recordAuditEvent(deps.db, { actor, action: 'csp.customer.create', target: valid.domain, outcome: 'failure', reason: isLanyardError(error) ? error.code : 'ERROR', details: { partner: partner.slug } }, deps.clock.now());
    throw error;
  }
  const password = created.userCredentials?.password ?? null;
  const domain = (created.companyProfile?.domain ?? valid.domain).toLowerCase();
  const adminUser = `${created.userCredentials?.userName ?? 'admin'}@${domain}`;
  // The billing profile Partner Center keeps, without anything secret (it holds none; the password is elsewhere).
  const storedProfile = JSON.stringify(created.billingProfile ?? billingProfile);
  const values = {
    partnerId: partner.id,
    tenantId: created.id,
    domain,
    companyName: created.companyProfile?.companyName ?? valid.company,
    country: valid.country,
    email: valid.email,
    billingProfile: storedProfile,
    resellerId: (created.associatedPartnerId ?? valid.reseller)?.toLowerCase() ?? null,
    organizationId: null,
    source: 'created' as const,
  };
  // Undefined: an import running at the same moment recorded it first; that row is the customer.
  const customer: CspCustomer | undefined =
    (await insertCustomer(deps.db, values, deps.clock.now())) ?? (await findCustomerByTenant(deps.db, partner.id, created.id)) ?? (await findCustomerByDomain(deps.db, domain));
  if (!customer) throw new Error(`customer ${domain} was created at Partner Center but refused by a unique index and not found`);
  const warnings: string[] = [];
  let row = customer;
  if (organization) {
    const link = await linkCustomerOrganization(deps.db, customer.id, organization.id, deps.clock.now());
    if (link === 'linked') row = { ...customer, organizationId: organization.id };
    else warnings.push(`not linked to ${organization.slug}: it was linked to another customer meanwhile; see \`lanyard csp customer link\``);
  }
  await recordAuditEvent(deps.db, { actor, action: 'csp.customer.create', target: domain, outcome: 'success', details: { partner: partner.slug, tenantId: created.id, organization: organization?.slug ?? null } }, deps.clock.now());

  let passwordMailedTo: string | null = null;
  let passwordShownBecause: string | null = null;
  if (mailTo && password) {
    const mailed = await mailAdminPassword(deps.config.smtp, { to: mailTo, company: values.companyName, userPrincipalName: adminUser, password });
    await recordAuditEvent(deps.db, { actor, action: 'csp.customer.password-mail', target: domain, outcome: mailed.sent ? 'success' : 'failure', details: { to: mailTo } }, deps.clock.now());
    if (mailed.sent) passwordMailedTo = mailTo;
    else passwordShownBecause = mailed.reason;
  }
  if (!password) warnings.push('Partner Center returned no admin password; reset it in the Microsoft 365 admin center');
  return {
    customer: customerView(row, partner.slug, organization && row.organizationId === organization.id ? organization.slug : null),
    adminUser,
    adminPassword: passwordMailedTo ? null : password,
    passwordMailedTo,
    passwordShownBecause,
    warnings,
  };
}

/**
 * A customer sold through an indirect reseller is created by the partner that serves that reseller
 * (the same routing every later command about the customer uses, `partnerForReseller`), so it is not
 * created under one partner and then acted on through another.
 */
async function requireServingPartner(deps: CustomerDeps, named: string, reseller: string): Promise<void> {
  const serving = await partnerForReseller(deps.db, [reseller]);
  if (serving.slug !== named) {
    throw new LanyardError('CSP_RESELLER_PARTNER_MISMATCH', `reseller ${reseller} is served by partner ${serving.slug}, not ${named}; run the create with partner ${serving.slug} (or add the reseller to ${named} with \`csp partner add --resellers\`)`, { reseller, partner: named, servingPartner: serving.slug });
  }
}

function prefixTaken(domain: string, why: string): LanyardError {
  return new LanyardError('CSP_DOMAIN_PREFIX_TAKEN', `${domain} is taken (${why}); choose another --domain-prefix`, { domain });
}

/** `HEAD /v1/domains/{domain}`: 200 when a tenant has the domain, 404 when it is free. */
async function domainExists(client: PartnerCenterClient, domain: string): Promise<boolean> {
  try {
    await client.call('HEAD', `/v1/domains/${encodeURIComponent(domain)}`);
    return true;
  } catch (error) {
    if (isLanyardError(error) && error.details?.status === 404) return false;
    throw error;
  }
}
