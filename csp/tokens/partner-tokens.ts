import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { findPartnerById, holdsRefreshToken } from '../data/partners.ts';
import type { CspPartner, StoredTokenState, TokenState } from '../data/tables.ts';
import { partnerSecretContext, requirePartner } from '../partners/partner-admin.ts';
import { aadstsMeanings } from './aadsts.ts';
import { redeemRefreshToken, type DelegatedTokens, type PartnerApp } from './entra-client.ts';
import { tokenStoreFor, type TokenHandle, type TokenStore } from './token-storage.ts';

export interface PartnerTokenDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
}

/** Entra revokes a refresh token unused for this long; `expiring` starts at `expiringAfterDays`. */
const inactivityDays = 90;
const expiringAfterDays = 60;
const dayMs = 86_400_000;

export interface TokenStatus {
  readonly partner: string;
  readonly state: TokenState;
  readonly code: string | null;
  readonly explanation: string;
  readonly remediation: string | null;
  readonly consentUpn: string | null;
  readonly obtainedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly lastRotatedAt: string | null;
  /** When Entra will consider the token unused for 90 days. */
  readonly expiresAt: string | null;
}

export function partnerApp(secretBox: SecretBox, partner: CspPartner): PartnerApp {
  return {
    loginUrl: partner.loginUrl,
    partnerTenantId: partner.partnerTenantId,
    clientId: partner.clientId,
    clientSecret: secretBox.open(partner.clientSecretSealed, partnerSecretContext(partner.id)).toString('utf8'),
  };
}

/**
 * A redemption of the partner's refresh token for another tenant or resource than Partner Center in
 * the partner's tenant: a customer's tenant (delegated access), with its own audit action and target.
 */
export interface Redemption {
  readonly tenantId: string;
  readonly scopes: readonly string[];
  readonly action: string;
  readonly target: string;
  /**
   * The refusal states recorded on the partner's token; others are about this one target (e.g. the
   * app not consented in a customer's tenant) and leave the partner's token state alone.
   */
  readonly recordedStates?: readonly StoredTokenState[];
}

/**
 * Redeems `refreshToken` once for a Partner Center token (or, with `redemption`, for another tenant
 * and scopes) and stores the rotated one Entra returns in the configured storage (`store`: a
 * customer's own token; the partner's otherwise), by compare-and-set on the handle of the token stored when
 * the redemption started (`replacing`). A refusal records the state its AADSTS code means (and
 * drops a token Entra says is dead).
 */
export async function redeemAndStore(
  deps: PartnerTokenDeps,
  partner: CspPartner,
  refreshToken: string,
  options: { replacing: TokenHandle | undefined; obtained: boolean; actor: string; action: string; redemption?: Redemption; store?: TokenStore },
  now: Date,
): Promise<DelegatedTokens> {
  // A customer's own token (customer-tokens.ts) comes with its own store; the partner's is the default.
  const store = options.store ?? tokenStoreFor(deps, partner);
  const redemption = options.redemption;
  const audit = redemption ? { action: redemption.action, target: redemption.target, details: { partner: partner.slug, tenantId: redemption.tenantId, scopes: redemption.scopes } } : { action: options.action, target: partner.slug, details: {} };
  try {
    const tokens = await redeemRefreshToken(partnerApp(deps.secretBox, partner), refreshToken, redemption ? { tenantId: redemption.tenantId, scopes: redemption.scopes } : undefined);
    // The upn of a token for another tenant is the same admin; only a consent's or a partner-tenant redemption's names the consenting admin.
    const stored = await store.write(tokens.refreshToken, { replacing: options.replacing, obtained: options.obtained, ...(tokens.upn && !redemption ? { consentUpn: tokens.upn } : {}) }, now);
    // Another node rotated the same token first: its newer token is stored, ours is just dropped.
    await recordAuditEvent(deps.db, { actor: options.actor, action: audit.action, target: audit.target, outcome: 'success', details: { ...audit.details, stored, storage: options.store ? 'customer' : partner.tokenStorage } }, now);
    return tokens;
  } catch (error) {
    if (isLanyardError(error) && error.code === 'CSP_TOKEN_REFUSED') {
      const details = error.details as { aadsts: string | null; state: StoredTokenState };
      // A token handed over by set-refresh-token was never stored: its refusal changes nothing stored.
      const recorded = redemption?.recordedStates ? redemption.recordedStates.includes(details.state) : true;
      if (options.replacing && recorded) {
        // AADSTS70000 (already used) is also what the loser of a rotation race gets, possibly before the
        // winner has recorded its new token: the token is marked, not dropped, so the winner's
        // compare-and-set on it still lands and makes the state valid again.
        const dropToken = (details.state === 'expired' || details.state === 'revoked') && details.aadsts !== 'AADSTS70000';
        await store.recordFailure(options.replacing, { state: details.state, code: details.aadsts ?? error.code, message: error.message, dropToken }, now);
      }
      await recordAuditEvent(deps.db, { actor: options.actor, action: audit.action, target: audit.target, outcome: 'failure', reason: details.aadsts ?? error.code, details: audit.details }, now);
    }
    throw error;
  }
}

/** `csp partner set-refresh-token`: a token obtained elsewhere, proven by redeeming it once (the rotated one is stored). */
export async function setRefreshToken(deps: PartnerTokenDeps, name: string, refreshToken: string, actor: string, now: Date = new Date()): Promise<TokenStatus> {
  const partner = await requirePartner(deps.db, name);
  await redeemAndStore(deps, partner, refreshToken.trim(), { replacing: undefined, obtained: true, actor, action: 'csp.partner.set-refresh-token' }, now);
  return partnerStatus(deps.db, name, now);
}

/** `csp partner refresh` and the renewal job: redeems the stored token now and stores the rotated one. */
export async function refreshPartnerToken(deps: PartnerTokenDeps, name: string, actor: string, now: Date = new Date()): Promise<TokenStatus> {
  const partner = await requirePartner(deps.db, name);
  await refreshStored(deps, partner, actor, now);
  return partnerStatus(deps.db, name, now);
}

/**
 * Redeems the partner's stored refresh token (read from its configured storage), stores the
 * rotated one in the same place, and returns what Entra issued (the Partner Center access token with it).
 */
export async function refreshStored(deps: PartnerTokenDeps, given: CspPartner, actor: string, now: Date, redemption?: Redemption): Promise<DelegatedTokens> {
  // The row as it is now: a caller's copy (a long-lived Partner Center client's) may name a token
  // another node has since rotated, and in Key Vault that version is disabled.
  const partner = (await findPartnerById(deps.db, given.id)) ?? given;
  const stored = holdsRefreshToken(partner) ? await tokenStoreFor(deps, partner).read() : null;
  if (!stored) {
    throw new LanyardError('CSP_NO_REFRESH_TOKEN', `partner "${partner.slug}" holds no refresh token; run \`lanyard csp partner consent ${partner.slug}\``, { state: partner.tokenState });
  }
  return redeemAndStore(deps, partner, stored.token, { replacing: stored.handle, obtained: false, actor, action: 'csp.partner.refresh', ...(redemption ? { redemption } : {}) }, now);
}

/** `csp partner status`: the stored state, with `expiring` / `expired` computed from the last use at `now`. */
export async function partnerStatus(db: Db, name: string, now: Date = new Date()): Promise<TokenStatus> {
  return statusOf(await requirePartner(db, name), now);
}

/** The token columns a state report reads: a partner's row, or a customer's own token row (same names). */
export type TokenRecord = Pick<
  CspPartner,
  'tokenState' | 'tokenErrorCode' | 'tokenErrorMessage' | 'refreshTokenLastUsedAt' | 'refreshTokenObtainedAt' | 'refreshTokenRotatedAt' | 'consentUpn' | 'refreshTokenSealed' | 'keyVaultSecretVersion'
>;

/** What the report tells the operator to do, for a partner's token or a customer's own. */
export interface TokenWording {
  readonly expiring: string;
  readonly noConsent: { readonly explanation: string; readonly remediation: string };
  readonly mfaMissing: { readonly explanation: string; readonly remediation: string };
  /** Rewrites a remediation of the AADSTS table (written for a partner) for this token. */
  readonly remediation: (text: string) => string;
  readonly explanations?: Readonly<Record<string, string>>;
}

const partnerWording: TokenWording = {
  expiring: 'Run `lanyard csp partner refresh <partner>`, or check that `lanyard serve` runs the renewal job.',
  noConsent: { explanation: 'No partner admin has consented yet.', remediation: 'A partner admin runs `lanyard csp partner consent <partner>`, opens the URL and signs in with MFA.' },
  mfaMissing: {
    explanation: 'The partner admin consented without multi-factor authentication, so Lanyard stored nothing. Partner Center requires MFA for delegated access.',
    remediation: 'Register MFA for that admin (or enforce it with Conditional Access or security defaults), then run `lanyard csp partner consent <partner>` again.',
  },
  remediation: (text) => text,
};

/** The token's state at `now`, with the code, the explanation and what to do. */
export function statusOf(partner: CspPartner, now: Date): TokenStatus {
  return { partner: partner.slug, ...tokenStatusOf(partner, now, partnerWording) };
}

/**
 * The state of a stored token at `now`: the stored state, with `expiring` (idle more than 60 days)
 * and `expired` (idle 90 days) computed from the last use, and the code, explanation and remediation.
 */
export function tokenStatusOf(record: TokenRecord, now: Date, wording: TokenWording): Omit<TokenStatus, 'partner'> {
  const holds = record.refreshTokenSealed !== null || record.keyVaultSecretVersion !== null;
  const lastUsed = record.refreshTokenLastUsedAt ? new Date(record.refreshTokenLastUsedAt) : null;
  const idleDays = lastUsed ? (now.getTime() - lastUsed.getTime()) / dayMs : 0;
  let state: TokenState = record.tokenState;
  let code = record.tokenErrorCode;
  let explanation: string;
  let remediation: string | null = null;
  if (state === 'valid' && idleDays >= inactivityDays) {
    state = 'expired';
    code = 'AADSTS700082';
  }
  if (state === 'valid') {
    if (idleDays > expiringAfterDays) {
      state = 'expiring';
      explanation = `The refresh token was not used for ${Math.floor(idleDays)} days; Entra revokes it after ${inactivityDays}.`;
      remediation = wording.expiring;
    } else {
      explanation = 'The refresh token works.';
    }
  } else if (state === 'no-consent' && !code) {
    ({ explanation, remediation } = wording.noConsent);
  } else if (state === 'mfa-missing' && (code === null || code === 'CSP_MFA_MISSING')) {
    ({ explanation, remediation } = wording.mfaMissing);
  } else {
    const meaning = code ? aadstsMeanings[code] : undefined;
    explanation = (code && wording.explanations?.[code]) ?? meaning?.explanation ?? record.tokenErrorMessage ?? 'The refresh token does not work.';
    remediation = wording.remediation(meaning?.remediation ?? 'Run `lanyard csp partner consent <partner>` again.');
  }
  return {
    state,
    code,
    explanation,
    remediation,
    consentUpn: record.consentUpn,
    obtainedAt: record.refreshTokenObtainedAt,
    lastUsedAt: record.refreshTokenLastUsedAt,
    lastRotatedAt: record.refreshTokenRotatedAt,
    expiresAt: lastUsed && holds ? new Date(lastUsed.getTime() + inactivityDays * dayMs).toISOString() : null,
  };
}
