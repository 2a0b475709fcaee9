import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { LanyardError, isLanyardError } from '../../core/errors.ts';
import { recordAgreementAcceptance } from '../data/customers.ts';
import { openPartnerCenter } from '../partner-center/open-partner-center.ts';
import { validateAgreementContact, type AgreementContactInput } from './customer-input.ts';
import type { CustomerDeps } from './customer-deps.ts';
import { requireCustomer } from './require-customer.ts';
import { partnerForCustomer } from './reseller-routing.ts';

export interface AgreementReport {
  readonly customer: string;
  readonly tenantId: string;
  readonly templateId: string;
  readonly acceptedAt: string;
  readonly acceptedBy: string;
  readonly contact: Readonly<Record<string, string>>;
  /** Partner Center already had this contact's acceptance (600061): recorded, not an error. */
  readonly alreadyAccepted: boolean;
}

/**
 * Records the customer's acceptance of the Microsoft Customer Agreement at Partner Center (the
 * current template, read from `GET /v1/agreements`) and in Lanyard (who, when, which contact),
 * audited. Orders need it (Partner Center refuses them with 13605 otherwise).
 *
 * @example
 *   await acceptAgreement(deps, 'fabrikam.onmicrosoft.com', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@fabrikam.example' }, 'cli');
 */
export async function acceptAgreement(deps: CustomerDeps, customerRef: string, input: AgreementContactInput, actor: string): Promise<AgreementReport> {
  const contact = validateAgreementContact(input);
  const customer = await requireCustomer(deps.db, customerRef);
  const partner = await partnerForCustomer(deps.db, customer);
  const client = openPartnerCenter(deps, partner, actor);
  const { body: metadata } = await client.call<{ items?: { templateId?: string; agreementType?: string }[] }>('GET', '/v1/agreements', { query: { agreementType: 'MicrosoftCustomerAgreement' } });
  const templateId = metadata.items?.find((item) => item.agreementType === 'MicrosoftCustomerAgreement')?.templateId;
  if (!templateId) throw new LanyardError('PARTNER_CENTER_REFUSED', 'Partner Center listed no Microsoft Customer Agreement template', { status: 200, partnerCenterCode: null, description: 'no template' });
  const now = deps.clock.now();
  const primaryContact: Record<string, string> = {
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email,
    ...(contact.phone ? { phoneNumber: contact.phone } : {}),
  };
  let alreadyAccepted = false;
  try {
    await client.call('POST', `/v1/customers/${encodeURIComponent(customer.tenantId)}/agreements`, {
      body: { primaryContact, templateId, dateAgreed: now.toISOString(), type: 'MicrosoftCustomerAgreement' },
    });
  } catch (error) {
    if (!(isLanyardError(error) && error.details?.partnerCenterCode === '600061')) {
      await recordAuditEvent(deps.db, { actor, action: 'csp.customer.agreement', target: customer.domain, outcome: 'failure', reason: isLanyardError(error) ? error.code : 'ERROR' }, now);
      throw error;
    }
    alreadyAccepted = true;
  }
  await recordAgreementAcceptance(deps.db, customer.id, { by: actor, contact: primaryContact }, now);
  await recordAuditEvent(deps.db, { actor, action: 'csp.customer.agreement', target: customer.domain, outcome: 'success', details: { templateId, contactEmail: contact.email, alreadyAccepted } }, now);
  return { customer: customer.domain, tenantId: customer.tenantId, templateId, acceptedAt: now.toISOString(), acceptedBy: actor, contact: primaryContact, alreadyAccepted };
}
