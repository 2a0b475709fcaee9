import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../core/db/database.ts';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { isLanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { findPartnerById, holdsRefreshToken } from '../data/partners.ts';
import type { CspPartner } from '../data/tables.ts';
import { PartnerCenterClient } from '../partner-center/partner-center-client.ts';
import { KeyVaultClient } from '../tokens/key-vault-client.ts';
import { refreshStored } from '../tokens/partner-tokens.ts';
import { keyVaultAccess, tokenHash, tokenStoreFor, type StoredToken } from '../tokens/token-storage.ts';
import { requirePartner } from './partner-admin.ts';

export type CheckOutcome = 'ok' | 'warning' | 'failed';

export interface CheckResult {
  readonly check: 'token-stored' | 'storage-agrees' | 'token-redeems' | 'token-decodes' | 'mfa' | 'client-secret' | 'partner-center';
  readonly outcome: CheckOutcome;
  /** The AADSTS, Partner Center, Key Vault or Lanyard code behind a warning or failure. */
  readonly code: string | null;
  readonly message: string;
  readonly remediation: string | null;
}

export interface AccessReport {
  readonly partner: string;
  readonly outcome: CheckOutcome;
  readonly tokenStorage: 'database' | 'key-vault';
  readonly checks: readonly CheckResult[];
}

export interface AccessCheckDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
}

const dayMs = 86_400_000;
const secretWarningDays = 30;
const partnerCenterAudience = 'https://api.partnercenter.microsoft.com';

/**
 * `csp partner check`: one report of what stands between Lanyard and Partner Center, as the best
 * partner tools run it (docs/csp.md): the token is stored and readable, the stored token is the one
 * Lanyard last wrote (and, in Key Vault, the vault's current version), Entra redeems it (the rotated
 * token is written back, as on every use), the access token decodes and carries `mfa` in `amr`, the
 * app's client secret is not about to expire, and Partner Center answers `GET /v1/customers?size=1`.
 * A check that cannot run because an earlier one failed is not reported as passing: it is skipped.
 */
export async function checkPartnerAccess(deps: AccessCheckDeps, name: string, actor: string): Promise<AccessReport> {
  const partner = await requirePartner(deps.db, name);
  const now = deps.clock.now();
  const checks: CheckResult[] = [];
  const add = (result: CheckResult) => checks.push(result);

  const stored = await readStored(deps, partner, add);
  if (stored) await compareStorage(deps, partner, stored, add);

  let accessToken: string | null = null;
  if (stored) {
    try {
      accessToken = (await refreshStored(deps, partner, actor, now)).accessToken;
      add({ check: 'token-redeems', outcome: 'ok', code: null, message: `Entra redeemed the refresh token; the rotated one is stored in ${partner.tokenStorage === 'key-vault' ? 'Key Vault' : "Lanyard's database"}.`, remediation: null });
    } catch (error) {
      add(failureOf('token-redeems', error));
    }
  }
  if (accessToken) {
    const claims = decode(accessToken);
    if (!claims) {
      add({ check: 'token-decodes', outcome: 'failed', code: 'CSP_TOKEN_UNREADABLE', message: 'The access token Entra issued is not a JWT Lanyard can read.', remediation: 'Check that the login URL of the partner is Entra (`lanyard csp partner show`).' });
    } else {
      const expires = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null;
      const audience = String(claims.aud ?? '');
      const audienceOk = audience.replace(/\/+$/, '') === partnerCenterAudience || audience === 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd';
      add(
        audienceOk && expires
          ? { check: 'token-decodes', outcome: 'ok', code: null, message: `The access token is for Partner Center, issued to ${String(claims.upn ?? claims.unique_name ?? 'the consenting admin')}, valid until ${expires.toISOString()}.`, remediation: null }
          : { check: 'token-decodes', outcome: 'failed', code: 'CSP_TOKEN_UNREADABLE', message: `The access token is for "${audience}", not Partner Center, or has no expiry.`, remediation: 'Consent again with `lanyard csp partner consent <partner>`, asking for Partner Center user_impersonation.' },
      );
      const amr = Array.isArray(claims.amr) ? claims.amr.map(String) : [];
      add(
        amr.includes('mfa')
          ? { check: 'mfa', outcome: 'ok', code: null, message: `The token's amr claim has mfa (${amr.join(', ')}).`, remediation: null }
          : {
              check: 'mfa',
              outcome: 'failed',
              code: 'CSP_MFA_MISSING',
              message: `The token's amr claim has no mfa (${amr.join(', ') || 'empty'}): Partner Center refuses delegated calls without MFA (900421).`,
              remediation: `Register MFA for ${String(claims.upn ?? 'the consenting admin')}, then run \`lanyard csp partner consent ${partner.slug}\` again.`,
            },
      );
    }
  }
  add(clientSecretCheck(partner, now));
  if (accessToken) await partnerCenterCheck(deps, partner, accessToken, add);

  const outcome: CheckOutcome = checks.some((c) => c.outcome === 'failed') ? 'failed' : checks.some((c) => c.outcome === 'warning') ? 'warning' : 'ok';
  await recordAuditEvent(deps.db, { actor, action: 'csp.partner.check', target: partner.slug, outcome: outcome === 'failed' ? 'failure' : 'success', details: { outcome, checks: checks.map((c) => ({ check: c.check, outcome: c.outcome, code: c.code })) } }, now);
  const after = (await findPartnerById(deps.db, partner.id)) ?? partner;
  return { partner: partner.slug, outcome, tokenStorage: after.tokenStorage, checks };
}

async function readStored(deps: AccessCheckDeps, partner: CspPartner, add: (result: CheckResult) => void): Promise<StoredToken | null> {
  const where = partner.tokenStorage === 'key-vault' ? `Key Vault (${partner.keyVaultSecretUrl}, version ${partner.keyVaultSecretVersion})` : "Lanyard's database";
  if (!holdsRefreshToken(partner)) {
    add({ check: 'token-stored', outcome: 'failed', code: partner.tokenErrorCode ?? 'CSP_NO_REFRESH_TOKEN', message: `No refresh token is stored (state ${partner.tokenState}).`, remediation: `A partner admin runs \`lanyard csp partner consent ${partner.slug}\` and signs in with MFA.` });
    return null;
  }
  try {
    const stored = await tokenStoreFor(deps, partner).read();
    add({ check: 'token-stored', outcome: 'ok', code: null, message: `The refresh token is stored in ${where} and readable.`, remediation: null });
    return stored;
  } catch (error) {
    add(failureOf('token-stored', error));
    return null;
  }
}

/** The token read is the one Lanyard last wrote; in Key Vault, the vault's current version is also the one Lanyard uses. */
async function compareStorage(deps: AccessCheckDeps, partner: CspPartner, stored: StoredToken, add: (result: CheckResult) => void): Promise<void> {
  if (partner.refreshTokenHash !== null && tokenHash(stored.token) !== partner.refreshTokenHash) {
    add({ check: 'storage-agrees', outcome: 'failed', code: 'CSP_TOKEN_MISMATCH', message: 'The stored refresh token is not the one Lanyard last wrote (it was changed outside Lanyard).', remediation: `Run \`lanyard csp partner consent ${partner.slug}\` (or set-refresh-token) so Lanyard writes a token it knows.` });
    return;
  }
  if (stored.handle.storage === 'key-vault') {
    try {
      // Lanyard disables every version it no longer uses, so an enabled version other than its own
      // was written by someone else, and whoever reads "the current version" may get it.
      const versions = await new KeyVaultClient(keyVaultAccess(deps.secretBox, partner)).versions();
      const { version } = stored.handle;
      const others = versions.filter((candidate) => candidate.enabled && candidate.version !== version).map((candidate) => candidate.version);
      if (others.length > 0) {
        add({
          check: 'storage-agrees',
          outcome: 'warning',
          code: 'CSP_TOKEN_MISMATCH',
          message: `Lanyard uses version ${version} of the secret, the one it last wrote, but the vault also holds enabled version(s) ${others.join(', ')} that Lanyard did not write.`,
          remediation: 'Give the secret to Lanyard alone and disable those versions: another tool writing this secret, or reading its current version, would use a token Lanyard may already have spent.',
        });
        return;
      }
    } catch (error) {
      add(failureOf('storage-agrees', error));
      return;
    }
  }
  add({ check: 'storage-agrees', outcome: 'ok', code: null, message: stored.handle.storage === 'key-vault' ? "The only enabled version of the Key Vault secret is the token Lanyard last wrote." : 'The stored token is the one Lanyard last wrote.', remediation: null });
}

function clientSecretCheck(partner: CspPartner, now: Date): CheckResult {
  const renew = `In the Entra admin center, App registrations → ${partner.clientId} → Certificates & secrets → New client secret; then \`lanyard csp partner change ${partner.slug} --client-secret-stdin --client-secret-expires <YYYY-MM-DD>\`, and delete the old secret.`;
  if (!partner.clientSecretExpiresAt) {
    return { check: 'client-secret', outcome: 'warning', code: 'CSP_SECRET_EXPIRY_UNKNOWN', message: "The client secret's expiry is not recorded, so Lanyard cannot warn before it lapses (then Entra answers AADSTS7000215).", remediation: `Record it: \`lanyard csp partner change ${partner.slug} --client-secret-expires <YYYY-MM-DD>\` (the date on Certificates & secrets).` };
  }
  const expires = new Date(partner.clientSecretExpiresAt);
  const days = Math.floor((expires.getTime() - now.getTime()) / dayMs);
  if (expires.getTime() <= now.getTime()) return { check: 'client-secret', outcome: 'failed', code: 'AADSTS7000215', message: `The client secret expired on ${partner.clientSecretExpiresAt.slice(0, 10)}.`, remediation: renew };
  if (days < secretWarningDays) return { check: 'client-secret', outcome: 'warning', code: 'CSP_SECRET_EXPIRING', message: `The client secret expires on ${partner.clientSecretExpiresAt.slice(0, 10)}, in ${days} days.`, remediation: renew };
  return { check: 'client-secret', outcome: 'ok', code: null, message: `The client secret expires on ${partner.clientSecretExpiresAt.slice(0, 10)}, in ${days} days.`, remediation: null };
}

async function partnerCenterCheck(deps: AccessCheckDeps, partner: CspPartner, accessToken: string, add: (result: CheckResult) => void): Promise<void> {
  // The token just issued, without renewal: a refusal here is Partner Center's answer to this token.
  const client = new PartnerCenterClient({ baseUrl: partner.partnerCenterUrl, clock: deps.clock, token: async () => accessToken, maxAttempts: 2 });
  try {
    const { body } = await client.call<{ totalCount?: unknown }>('GET', '/v1/customers', { query: { size: '1' } });
    add({ check: 'partner-center', outcome: 'ok', code: null, message: `Partner Center answers (GET /v1/customers: ${typeof body.totalCount === 'number' ? `${body.totalCount} customers` : 'ok'}).`, remediation: null });
  } catch (error) {
    add(failureOf('partner-center', error));
  }
}

function failureOf(check: CheckResult['check'], error: unknown): CheckResult {
  if (!isLanyardError(error)) throw error;
  const details = (error.details ?? {}) as { aadsts?: unknown; partnerCenterCode?: unknown; keyVaultCode?: unknown; remediation?: unknown };
  const code = String(details.aadsts ?? (details.partnerCenterCode !== null && details.partnerCenterCode !== undefined ? `PartnerCenter ${String(details.partnerCenterCode)}` : undefined) ?? details.keyVaultCode ?? error.code);
  return { check, outcome: 'failed', code, message: error.message, remediation: typeof details.remediation === 'string' ? details.remediation : remediationFor(error.code) };
}

function remediationFor(code: string): string {
  switch (code) {
    case 'CSP_KEY_VAULT_REFUSED':
      return 'Check the Key Vault app and its role on the vault, or move the token back with `lanyard csp partner use-database` after fixing access.';
    case 'MICROSOFT_UNREACHABLE':
      return 'Check the network path to Microsoft (DNS, proxy, firewall) and run the check again.';
    case 'CSP_NO_REFRESH_TOKEN':
      return 'Run `lanyard csp partner consent <partner>`.';
    default:
      return 'See the code above; `lanyard csp partner status <partner>` explains token states.';
  }
}

function decode(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
