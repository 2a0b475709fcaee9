import { LanyardError, type ErrorCode } from '../../core/errors.ts';

/**
 * Partner Center's error codes people meet, each with the Lanyard code it becomes, a sentence a
 * partner admin understands, and what to do (reference C.0; the codes are Partner Center's, the
 * words ours). Lanyard branches on `code`, never on Partner Center's description.
 */
interface Meaning {
  readonly lanyardCode: ErrorCode;
  readonly explanation: string;
  readonly remediation: string;
}

const meanings: Readonly<Record<string, Meaning>> = {
  '900421': {
    lanyardCode: 'CSP_MFA_MISSING',
    explanation: 'Partner Center refused the call: the partner admin\'s token carries no MFA claim.',
    remediation: 'Register MFA for the partner admin, then run `lanyard csp partner consent <partner>` again.',
  },
  '13605': {
    lanyardCode: 'CSP_AGREEMENT_NOT_ACCEPTED',
    explanation: 'The customer has not accepted the Microsoft Customer Agreement, so Microsoft takes no order for it.',
    remediation: 'Run `lanyard csp customer accept-agreement <customer> --first-name … --last-name … --email …` with a contact of the customer.',
  },
  '800090': {
    lanyardCode: 'CSP_OUTSIDE_CHANGE_WINDOW',
    explanation: 'Seats of a new-commerce subscription can be removed only within 7 days (168 hours) of their purchase or the renewal.',
    remediation: 'Schedule the lower quantity for the next term, or turn auto-renew off.',
  },
  '900117': {
    lanyardCode: 'CSP_OUTSIDE_CHANGE_WINDOW',
    explanation: 'A new-commerce subscription can be cancelled only within 7 days (168 hours) of its purchase or renewal.',
    remediation: 'Turn auto-renew off so it ends at the term end, or schedule a lower quantity for the next term.',
  },
  '800060': {
    lanyardCode: 'CSP_SUBSCRIPTION_LOCKED',
    explanation: 'Microsoft is still provisioning an earlier change to this subscription.',
    remediation: 'Wait until the change completes (a few minutes), then try again.',
  },
  '60012': {
    lanyardCode: 'CSP_NO_SEATS_LEFT',
    explanation: 'The customer has no free licences of this product left.',
    remediation: 'Raise the subscription\'s quantity, or remove a licence from another user.',
  },
  '2002': {
    lanyardCode: 'CSP_QUANTITY_OUT_OF_RANGE',
    explanation: 'The quantity is outside the product\'s minimum and maximum.',
    remediation: 'Choose a quantity within the limits `lanyard csp offer list` shows.',
  },
  '20002': {
    lanyardCode: 'CSP_NO_RELATIONSHIP',
    explanation: 'The partner has no reseller relationship with this customer in Partner Center.',
    remediation: 'Check that the customer belongs to this partner (or its reseller), or invite the customer to a reseller relationship.',
  },
  '2030': {
    lanyardCode: 'PARTNER_CENTER_REFUSED',
    explanation: 'The partner is not onboarded to sell in this country.',
    remediation: 'Choose the customer\'s country among those the partner sells in, or onboard the country in Partner Center.',
  },
};

export interface PartnerCenterFailure {
  readonly status: number;
  readonly partnerCenterCode: string | null;
  readonly description: string;
}

/**
 * The LanyardError for a Partner Center refusal: a specific code where people can act on it
 * (CSP_AGREEMENT_NOT_ACCEPTED, CSP_OUTSIDE_CHANGE_WINDOW, …), else PARTNER_CENTER_REFUSED; the
 * details carry Partner Center's status, code and description, the explanation and the fix.
 */
export function partnerCenterRefusal(failure: PartnerCenterFailure): LanyardError {
  const meaning = failure.partnerCenterCode ? meanings[failure.partnerCenterCode] : undefined;
  const code = failure.status === 429 ? 'PARTNER_CENTER_THROTTLED' : (meaning?.lanyardCode ?? 'PARTNER_CENTER_REFUSED');
  const quoted = `Partner Center ${failure.status}${failure.partnerCenterCode ? ` / ${failure.partnerCenterCode}` : ''}: ${failure.description}`;
  return new LanyardError(code, meaning ? `${meaning.explanation} (${quoted})` : quoted, {
    status: failure.status,
    partnerCenterCode: failure.partnerCenterCode,
    description: failure.description,
    ...(meaning ? { explanation: meaning.explanation, remediation: meaning.remediation } : {}),
  });
}
