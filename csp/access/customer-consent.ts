import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../core/config.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import { delegatedGraphPermissions } from '../customers/consent-app.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import { partnerForCustomer } from '../customers/reseller-routing.ts';
import { beginCustomerConsentAttempt, completeCustomerConsent, findCustomerToken, findOpenCustomerConsent, insertCustomerConsent, recordCustomerConsentRefusal, takeCustomerConsentAttempt } from '../data/customer-tokens.ts';
import { findCustomerById } from '../data/customers.ts';
import type { StoredTokenState } from '../data/tables.ts';
import { explainAadsts } from '../tokens/aadsts.ts';
import { customerConsentStore, type CustomerTokenDeps } from '../tokens/customer-tokens.ts';
import { authenticationMethods, consentUrl, redeemCode, tokenTenant, type ConsentTarget } from '../tokens/entra-client.ts';
import { partnerApp } from '../tokens/partner-tokens.ts';

export interface CustomerConsentDeps extends CustomerTokenDeps {
  readonly config: Pick<Config, 'publicUrl'>;
}

/** The wizard link lasts as long as the admin-consent link (the admin may open the mail days later); each attempt at Entra 10 minutes. */
const invitationLifetimeMs = 7 * 86_400_000;
const attemptLifetimeMs = 10 * 60_000;
export const customerConsentWizardPath = '/csp/customer-consent/wizard';
export const customerConsentCallbackPath = '/csp/customer-consent/callback';
const base = (config: Pick<Config, 'publicUrl'>) => config.publicUrl.replace(/\/+$/, '');
export const customerConsentRedirectUri = (config: Pick<Config, 'publicUrl'>) => `${base(config)}${customerConsentCallbackPath}`;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const verifierContext = (stateHash: string) => `csp-customer-consent:${stateHash}`;

const permissionReasons: Record<(typeof delegatedGraphPermissions)[number], string> = {
  'Directory.Read.All': 'Read your groups and directory for the regular import of users and licences.',
  'Domain.ReadWrite.All': 'Add and verify your domains and read the DNS records they need.',
  'Domain-InternalFederation.ReadWrite.All': "Set up single sign-on for a domain with your partner's identity provider.",
  'LicenseAssignment.ReadWrite.All': 'Assign and remove licences from the subscriptions you buy through the partner.',
  'Organization.Read.All': "Read your tenant's subscriptions and seat counts.",
  'RoleManagement.Read.Directory': 'Check who holds the Global Administrator role before federating a domain.',
  'User.ReadWrite.All': 'Create, change and remove the users your partner manages for you.',
};

/** What the customer's admin is asked for, and why (shown by the wizard and in the invitation). */
export const customerConsentPermissions: readonly { readonly scope: string; readonly why: string }[] = [
  ...delegatedGraphPermissions.map((permission) => ({ scope: `https://graph.microsoft.com/${permission}`, why: permissionReasons[permission] })),
  { scope: 'offline_access', why: 'Keep this access without you signing in again: Lanyard renews the token before Entra lets it lapse.' },
];

const consentTarget = (tenantId: string): ConsentTarget => ({ tenantId, scopes: customerConsentPermissions.map((permission) => permission.scope), prompt: 'consent' });

/**
 * "Send invitation" / "Copy consent link": a link to Lanyard's consent wizard for one customer.
 * The link's token is random and stored only as its SHA-256; it is valid 7 days and is spent by
 * the first consent that stores a token.
 *
 * @example
 *   const { url } = await createConsentInvitation(deps, 'fabrikam.onmicrosoft.com', 'cli:root');
 */
export async function createConsentInvitation(deps: CustomerConsentDeps, customerRef: string, actor: string): Promise<{ customer: string; tenantId: string; url: string; expiresAt: string }> {
  const customer = await requireCustomer(deps.db, customerRef);
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + invitationLifetimeMs);
  await insertCustomerConsent(deps.db, { invitationHash: sha256(token), customerId: customer.id, startedBy: actor, expiresAt }, now);
  await recordAuditEvent(deps.db, { actor, action: 'csp.customer-consent.invite', target: customer.domain, outcome: 'success' }, now);
  return { customer: customer.domain, tenantId: customer.tenantId, url: `${base(deps.config)}${customerConsentWizardPath}/${token}`, expiresAt: expiresAt.toISOString() };
}

const invalidLink = () => new LanyardError('CSP_CONSENT_INVALID', 'This consent link is unknown, was already used or has expired (links last 7 days). Ask your partner for a new invitation.');

/** What the wizard shows for a link: who asks, for which tenant, and the permissions. CSP_CONSENT_INVALID for a dead link. */
export async function consentWizardView(deps: CustomerConsentDeps, token: string) {
  const invitation = await findOpenCustomerConsent(deps.db, sha256(token), deps.clock.now());
  const customer = invitation ? await findCustomerById(deps.db, invitation.customerId) : undefined;
  if (!invitation || !customer) throw invalidLink();
  const partner = await partnerForCustomer(deps.db, customer);
  return { customer: customer.domain, company: customer.companyName, tenantId: customer.tenantId, partner: partner.slug, expiresAt: invitation.expiresAt, permissions: customerConsentPermissions };
}

/**
 * The wizard's "Continue to Microsoft": a new attempt on the invitation (a fresh random state,
 * stored only as its SHA-256, and a PKCE verifier, sealed; 10 minutes, once) and the authorize URL
 * of the customer's tenant, asking for the permissions above with offline_access.
 */
export async function beginCustomerConsent(deps: CustomerConsentDeps, token: string): Promise<string> {
  const invitationHash = sha256(token);
  const now = deps.clock.now();
  const invitation = await findOpenCustomerConsent(deps.db, invitationHash, now);
  const customer = invitation ? await findCustomerById(deps.db, invitation.customerId) : undefined;
  if (!invitation || !customer) throw invalidLink();
  const partner = await partnerForCustomer(deps.db, customer);
  const state = randomBytes(32).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const stateHash = sha256(state);
  const url = await consentUrl(partnerApp(deps.secretBox, partner), { redirectUri: customerConsentRedirectUri(deps.config), state, codeChallenge: createHash('sha256').update(verifier).digest('base64url') }, consentTarget(customer.tenantId));
  const begun = await beginCustomerConsentAttempt(deps.db, invitationHash, { stateHash, verifierSealed: deps.secretBox.seal(verifier, verifierContext(stateHash)), expiresAt: new Date(now.getTime() + attemptLifetimeMs) }, now);
  if (!begun) throw invalidLink();
  await recordAuditEvent(deps.db, { actor: invitation.startedBy, action: 'csp.customer-consent.start', target: customer.domain, outcome: 'success' }, now);
  return url;
}

export interface CustomerConsentCallback {
  readonly code?: string | undefined;
  readonly state?: string | undefined;
  readonly clientInfo?: string | undefined;
  readonly error?: string | undefined;
  readonly errorDescription?: string | undefined;
}

export interface CustomerConsentOutcome {
  readonly customer: string;
  readonly company: string;
  readonly consentUpn: string | null;
}

/**
 * The customer admin's browser back from Entra. The attempt is taken once (compare-and-set, before
 * it or its invitation expires); the code is redeemed with its PKCE verifier at the customer's
 * tenant; the access token must be for that tenant (CSP_CONSENT_WRONG_TENANT) and carry `mfa` in
 * `amr` (CSP_MFA_MISSING; nothing stored). Then the refresh token is stored as the customer's own
 * and the invitation is spent. A refusal leaves the invitation open, so the admin can try again.
 */
export async function completeCustomerConsentCallback(deps: CustomerConsentDeps, callback: CustomerConsentCallback): Promise<CustomerConsentOutcome> {
  const now = deps.clock.now();
  const attempt = callback.state ? await takeCustomerConsentAttempt(deps.db, sha256(callback.state), now) : undefined;
  const customer = attempt ? await findCustomerById(deps.db, attempt.customerId) : undefined;
  const audit = (outcome: 'success' | 'failure', reason?: string, details?: Record<string, unknown>) =>
    recordAuditEvent(deps.db, { actor: attempt?.startedBy ?? 'anonymous', action: outcome === 'success' ? 'csp.customer-consent.complete' : 'csp.customer-consent.refuse', target: customer?.domain ?? null, outcome, reason: reason ?? null, ...(details ? { details } : {}) }, now);
  if (!attempt || !customer || !attempt.verifierSealed) {
    await audit('failure', 'CSP_CONSENT_INVALID');
    throw new LanyardError('CSP_CONSENT_INVALID', 'This sign-in is unknown, was already used or took longer than 10 minutes. Open the consent link from your invitation again.');
  }
  if (callback.error || !callback.code) {
    const meaning = explainAadsts(callback.errorDescription ?? '');
    await audit('failure', meaning.code ?? callback.error ?? 'no code');
    throw new LanyardError('CSP_CONSENT_DENIED', `Microsoft did not give the consent (${callback.error ?? 'no code'}${meaning.code ? `, ${meaning.code}` : ''}). ${meaning.code === 'AADSTS65004' ? 'The permissions were declined.' : meaning.explanation} Open the consent link again and accept.`, { error: callback.error ?? null, aadsts: meaning.code, customer: customer.domain });
  }
  const partner = await partnerForCustomer(deps.db, customer);
  const verifier = deps.secretBox.open(attempt.verifierSealed, verifierContext(sha256(callback.state!))).toString('utf8');
  let tokens;
  try {
    tokens = await redeemCode(partnerApp(deps.secretBox, partner), { code: callback.code, codeVerifier: verifier, redirectUri: customerConsentRedirectUri(deps.config), ...(callback.clientInfo ? { clientInfo: callback.clientInfo } : {}) }, consentTarget(customer.tenantId));
  } catch (error) {
    const aadsts = isLanyardError(error) ? (error.details as { aadsts?: string | null } | undefined)?.aadsts : undefined;
    await audit('failure', aadsts ?? (isLanyardError(error) ? error.code : 'error'));
    // A code from another tenant's sign-in (the admin signed in to the wrong directory): Entra refuses it at this tenant.
    if (aadsts === 'AADSTS700005') throw wrongTenant(customer.domain, customer.tenantId, null);
    // Conditional Access wanting MFA (AADSTS50076) is about the admin, as a consent without MFA is: the state says so, a
    // token held stays. Other refusals of a code (expired, AADSTS70008; wrong verifier) say nothing about a stored token.
    if (isLanyardError(error, 'CSP_TOKEN_REFUSED') && (error.details as { state?: StoredTokenState } | undefined)?.state === 'mfa-missing') {
      await recordCustomerConsentRefusal(deps.db, customer.id, { state: 'mfa-missing', code: aadsts ?? error.code, message: error.message }, now);
    }
    throw error;
  }
  const tenant = tokenTenant(tokens.accessToken);
  if (tenant !== customer.tenantId.toLowerCase()) {
    await audit('failure', 'CSP_CONSENT_WRONG_TENANT', { upn: tokens.upn, tenant });
    throw wrongTenant(customer.domain, customer.tenantId, tenant);
  }
  if (!authenticationMethods(tokens.accessToken).includes('mfa')) {
    const message = `${tokens.upn ?? 'The admin'} signed in without multi-factor authentication, so Lanyard stored nothing. Register MFA for that account (or enforce it in the tenant), then open the consent link again.`;
    await recordCustomerConsentRefusal(deps.db, customer.id, { state: 'mfa-missing', code: 'CSP_MFA_MISSING', message }, now);
    await audit('failure', 'CSP_MFA_MISSING', { upn: tokens.upn });
    throw new LanyardError('CSP_MFA_MISSING', message, { upn: tokens.upn, customer: customer.domain });
  }
  const existing = await findCustomerToken(deps.db, customer.id);
  await customerConsentStore(deps, partner, customer, existing).write(tokens.refreshToken, { replacing: undefined, consentUpn: tokens.upn, obtained: true }, now);
  await completeCustomerConsent(deps.db, attempt.invitationHash, now);
  await audit('success', undefined, { upn: tokens.upn, storage: partner.tokenStorage });
  return { customer: customer.domain, company: customer.companyName, consentUpn: tokens.upn };
}

const wrongTenant = (domain: string, expected: string, got: string | null) =>
  new LanyardError('CSP_CONSENT_WRONG_TENANT', `The sign-in was for ${got ? `tenant ${got}` : 'another tenant'}, not ${domain} (tenant ${expected}), so Lanyard stored nothing. Sign in with an administrator account of ${domain} and open the consent link again.`, { customer: domain, tenantId: got });
