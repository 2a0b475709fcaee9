import type { Tenant } from '../state/model.ts';
import type { PartnerCenterCall } from './dispatcher.ts';
import { PartnerCenterError } from './errors.ts';
import type { Customer } from './model.ts';

/**
 * The caller's customer. EMULATOR CHOICE: an unknown id and another partner's customer both get the
 * documented 403 20002 "no commerce relationship", so ids cannot be probed.
 */
export function customerOf(call: PartnerCenterCall, customerId: string): { customer: Customer; tenant: Tenant } {
  const customer = call.context.state.partnerCenter.customers.get(customerId.toLowerCase());
  const tenant = customer && call.context.state.tenants.get(customer.id);
  if (!customer || !tenant || customer.partnerTenantId !== call.caller.partner.tenantId) {
    throw new PartnerCenterError(403, 20002, `The partner ID ${call.caller.partner.mpnId} has no commerce relationship with the customer ID ${customerId}.`);
  }
  return { customer, tenant };
}

export function bodyObject(call: PartnerCenterCall): Record<string, unknown> {
  const body = call.request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PartnerCenterError(400, 3000, 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

export function stringField(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
