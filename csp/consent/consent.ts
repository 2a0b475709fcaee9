import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../core/config.ts';
import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { consumeConsentRequest, insertConsentRequest } from '../data/consent-requests.ts';
import { findPartnerById, recordConsentRefusal } from '../data/partners.ts';
import { requirePartner } from '../partners/partner-admin.ts';
import { explainAadsts } from '../tokens/aadsts.ts';
import { authenticationMethods, consentUrl, redeemCode } from '../tokens/entra-client.ts';
import { partnerApp } from '../tokens/partner-tokens.ts';
import { tokenStoreFor } from '../tokens/token-storage.ts';

export interface ConsentDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly config: Pick<Config, 'publicUrl'>;
}

const lifetimeMs = 10 * 60_000;

export const consentCallbackPath = '/csp/consent/callback';
export const consentRedirectUri = (config: Pick<Config, 'publicUrl'>) => `${config.publicUrl.replace(/\/+$/, '')}${consentCallbackPath}`;
const hashState = (state: string) => createHash('sha256').update(state).digest('hex');
const verifierContext = (stateHash: string) => `csp-consent:${stateHash}`;

/**
 * Starts a partner admin's consent: a random state (stored only as its hash) and a PKCE verifier
 * (sealed), valid 10 minutes and once, recorded with the admin who started it. Returns the
 * authorize URL to open.
 *
 * @example
 *   const { url } = await startConsent(context, 'contoso-csp', `cli:${userInfo().username}`);
 */
export async function startConsent(deps: ConsentDeps, name: string, startedBy: string, now: Date = new Date()): Promise<{ url: string; expiresAt: string }> {
  const partner = await requirePartner(deps.db, name);
  const state = randomBytes(32).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const stateHash = hashState(state);
  const url = await consentUrl(partnerApp(deps.secretBox, partner), {
    redirectUri: consentRedirectUri(deps.config),
    state,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
  });
  const expiresAt = new Date(now.getTime() + lifetimeMs).toISOString();
  await insertConsentRequest(deps.db, { stateHash, partnerId: partner.id, verifierSealed: deps.secretBox.seal(verifier, verifierContext(stateHash)), startedBy, createdAt: now.toISOString(), expiresAt });
  await recordAuditEvent(deps.db, { actor: startedBy, action: 'csp.consent.start', target: partner.slug, outcome: 'success' }, now);
  return { url, expiresAt };
}

export interface ConsentCallback {
  readonly code?: string | undefined;
  readonly state?: string | undefined;
  readonly clientInfo?: string | undefined;
  readonly error?: string | undefined;
  readonly errorDescription?: string | undefined;
}

/**
 * The redirect back from Entra. Consumes the consent request (compare-and-set: once, before it
 * expires), redeems the code with its PKCE verifier, refuses an access token whose `amr` lacks
 * `mfa` (nothing is stored, the partner's state becomes mfa-missing), and stores the refresh token
 * sealed. Every refusal is a LanyardError whose message tells the person what to do.
 */
export async function completeConsent(deps: ConsentDeps, callback: ConsentCallback, now: Date = new Date()): Promise<{ partner: string; consentUpn: string | null; startedBy: string }> {
  const request = callback.state ? await consumeConsentRequest(deps.db, hashState(callback.state), now) : undefined;
  const partner = request ? await findPartnerById(deps.db, request.partnerId) : undefined;
  const audit = (outcome: 'success' | 'failure', reason?: string, details?: Record<string, unknown>) =>
    recordAuditEvent(deps.db, { actor: request?.startedBy ?? 'anonymous', action: outcome === 'success' ? 'csp.consent.complete' : 'csp.consent.refuse', target: partner?.slug ?? null, outcome, reason: reason ?? null, ...(details ? { details } : {}) }, now);

  if (callback.error) {
    const meaning = explainAadsts(callback.errorDescription ?? '');
    await audit('failure', meaning.code ?? callback.error);
    throw new LanyardError('CSP_CONSENT_DENIED', `Microsoft did not give the consent (${callback.error}${meaning.code ? `, ${meaning.code}` : ''}). ${meaning.code === 'AADSTS65004' ? 'The admin declined the permissions.' : meaning.explanation} Run \`lanyard csp partner consent\` again and accept.`, { error: callback.error, aadsts: meaning.code });
  }
  if (!request || !partner || !callback.code) {
    await audit('failure', 'CSP_CONSENT_INVALID');
    throw new LanyardError('CSP_CONSENT_INVALID', 'This consent link is unknown, was already used or has expired (they last 10 minutes). Run `lanyard csp partner consent <partner>` again.');
  }
  const verifier = deps.secretBox.open(request.verifierSealed, verifierContext(request.stateHash)).toString('utf8');
  let tokens;
  try {
    tokens = await redeemCode(partnerApp(deps.secretBox, partner), { code: callback.code, codeVerifier: verifier, redirectUri: consentRedirectUri(deps.config), ...(callback.clientInfo ? { clientInfo: callback.clientInfo } : {}) });
  } catch (error) {
    await audit('failure', isLanyardError(error) ? String((error.details as { aadsts?: unknown } | undefined)?.aadsts ?? error.code) : 'error');
    throw error;
  }
  if (!authenticationMethods(tokens.accessToken).includes('mfa')) {
    const message = `${tokens.upn ?? 'The admin'} signed in without multi-factor authentication, so Lanyard stored nothing: Partner Center requires MFA for delegated access. Register MFA for that user (or enforce it with Conditional Access or security defaults), then run \`lanyard csp partner consent ${partner.slug}\` again.`;
    await recordConsentRefusal(deps.db, partner.id, { state: 'mfa-missing', code: 'CSP_MFA_MISSING', message }, now);
    await audit('failure', 'CSP_MFA_MISSING', { upn: tokens.upn });
    throw new LanyardError('CSP_MFA_MISSING', message, { upn: tokens.upn });
  }
  await tokenStoreFor(deps, partner).write(tokens.refreshToken, { replacing: undefined, consentUpn: tokens.upn, obtained: true }, now);
  await audit('success', undefined, { upn: tokens.upn });
  return { partner: partner.slug, consentUpn: tokens.upn, startedBy: request.startedBy };
}
