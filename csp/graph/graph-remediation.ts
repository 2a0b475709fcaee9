/**
 * What the operator does about the refusals a customer tenant gives most often (issue 12's list),
 * for the sync's error table and the commands' messages. Entra's codes come from the token request
 * at the customer tenant's authority, Graph's from the call itself (reference A.9, D.5).
 */
const consentLink = 'An admin of the customer tenant opens the link of `lanyard csp customer consent-link <customer>` and accepts; Lanyard records it at its callback';

export const tokenRemediations: Readonly<Record<string, string>> = {
  AADSTS7000222: "The partner app's client secret has expired. Create a new secret in the app registration (Certificates & secrets) and register the partner again with its Value (`lanyard csp partner add … --client-secret-stdin`).",
  AADSTS7000215: "The client secret is not the secret's value: the secret ID was probably pasted instead. In the app registration's Certificates & secrets, copy the Value column (shown only when the secret is created; create a new one if it is hidden) and register the partner again with it.",
  AADSTS65001: `The partner app is not consented in this customer's tenant for Microsoft Graph. ${consentLink} (or consent the app through Partner Center's application consent).`,
  AADSTS7000229: `The partner app has no service principal in this customer's tenant. ${consentLink}, which creates it.`,
  AADSTS50020: 'The partner has no active delegated-admin relationship with this customer (GDAP expired or not approved, or DAP removed). Renew or approve the GDAP relationship in Partner Center.',
};

export const insufficientPrivilegesRemediation =
  "The partner's access in this tenant lacks the permission. For GDAP, the relationship must give the partner account's security group the roles listed by `lanyard csp customer access <customer> status` (User Administrator, License Administrator, Directory Readers); the app's consent must include User.ReadWrite.All and Directory.Read.All.";

export const noPremiumRemediation =
  "Reading users' last sign-in (signInActivity) needs Microsoft Entra ID P1 or P2 in the customer's tenant. Lanyard imported the users without it; buy P1 for the tenant, or accept that last sign-in stays empty for this customer.";

/** The remediation of a Graph refusal, or null when Lanyard knows none. */
export function graphRemediation(status: number, graphCode: string, message: string): string | null {
  if (graphCode === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' || (status === 403 && /premium licen[cs]e/i.test(message))) return noPremiumRemediation;
  if (status === 403 && graphCode === 'Authorization_RequestDenied') return insufficientPrivilegesRemediation;
  return null;
}
