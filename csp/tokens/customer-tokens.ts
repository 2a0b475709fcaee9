import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../core/db/database.ts';
import { LanyardError } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { findCustomerToken, holdsCustomerToken, recordCustomerTokenFailure, storeCustomerToken, type CustomerTokenTarget } from '../data/customer-tokens.ts';
import type { CspCustomerToken } from '../data/customer-token-tables.ts';
import type { CspCustomer, CspPartner } from '../data/tables.ts';
import { parseSecretUrl } from './key-vault-client.ts';
import { redeemAndStore, tokenStatusOf, type TokenStatus, type TokenWording } from './partner-tokens.ts';
import type { DelegatedTokens } from './entra-client.ts';
import { keyVaultAccess, storeOfSlot, type TokenSlot, type TokenStore } from './token-storage.ts';

export interface CustomerTokenDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
}

export const customerRefreshTokenContext = (customerId: string) => `csp-customer-refresh-token:${customerId}`;
const customerKeyVaultSecretContext = (customerId: string) => `csp-key-vault-secret:customer:${customerId}`;

/**
 * The slot of a customer's own token: its csp_customer_tokens row, in the storage it was written
 * to. In Key Vault the access is the copy taken at the consent, with the partner's login URL.
 */
function customerTokenSlot(deps: CustomerTokenDeps, partner: CspPartner, customer: CspCustomer, row: Pick<CspCustomerToken, 'tokenStorage' | 'refreshTokenSealed' | 'keyVaultSecretVersion' | 'keyVaultSecretUrl' | 'keyVaultTenantId' | 'keyVaultClientId' | 'keyVaultClientSecretSealed'>, target?: CustomerTokenTarget): TokenSlot {
  return {
    storage: row.tokenStorage,
    sealed: row.refreshTokenSealed,
    keyVaultVersion: row.keyVaultSecretVersion,
    sealingContext: customerRefreshTokenContext(customer.id),
    keyVault() {
      if (!row.keyVaultSecretUrl || !row.keyVaultTenantId || !row.keyVaultClientId || !row.keyVaultClientSecretSealed) {
        throw new Error(`customer ${customer.domain}'s token is set to Key Vault storage without its Key Vault access`);
      }
      return {
        secretUrl: row.keyVaultSecretUrl,
        loginUrl: partner.loginUrl,
        tenantId: row.keyVaultTenantId,
        clientId: row.keyVaultClientId,
        clientSecret: deps.secretBox.open(row.keyVaultClientSecretSealed, customerKeyVaultSecretContext(customer.id)).toString('utf8'),
      };
    },
    tags: { 'lanyard-partner': partner.slug, 'lanyard-customer': customer.tenantId },
    store: (token, now) => storeCustomerToken(deps.db, customer.id, { ...token, ...(target ? { target } : {}) }, now),
    recordFailure: (failure, now) => recordCustomerTokenFailure(deps.db, customer.id, failure, now),
  };
}

/** The Key Vault access of a customer token kept there (to delete its secret when the token is removed). */
export function customerTokenKeyVaultAccess(deps: CustomerTokenDeps, partner: CspPartner, customer: CspCustomer, row: CspCustomerToken) {
  return customerTokenSlot(deps, partner, customer, row).keyVault();
}

/** The store of the customer's token as it was written (for reading it and storing its rotations). */
export function customerTokenStore(deps: CustomerTokenDeps, partner: CspPartner, customer: CspCustomer, row: CspCustomerToken): TokenStore {
  return storeOfSlot(deps, customerTokenSlot(deps, partner, customer, row));
}

/**
 * The store a customer admin's new consent writes to: the partner's storage as configured now. In
 * Key Vault, a secret of the customer's own next to the partner's (`{partner's name}-{tenant id}`),
 * written with a copy of the partner's Key Vault app, sealed for this customer.
 */
export function customerConsentStore(deps: CustomerTokenDeps, partner: CspPartner, customer: CspCustomer, existing: CspCustomerToken | undefined): TokenStore {
  let target: CustomerTokenTarget = { storage: 'database' };
  if (partner.tokenStorage === 'key-vault') {
    const access = keyVaultAccess(deps.secretBox, partner);
    const { vaultUrl, name } = parseSecretUrl(access.secretUrl);
    target = {
      storage: 'key-vault',
      secretUrl: `${vaultUrl}/secrets/${name.slice(0, 90)}-${customer.tenantId}`,
      tenantId: access.tenantId,
      clientId: access.clientId,
      clientSecretSealed: deps.secretBox.seal(access.clientSecret, customerKeyVaultSecretContext(customer.id)),
    };
  }
  // The version an earlier consent left in the same secret is disabled once the new one is stored.
  const previousVersion = existing?.tokenStorage === 'key-vault' && target.storage === 'key-vault' && existing.keyVaultSecretUrl === target.secretUrl ? existing.keyVaultSecretVersion : null;
  const keyVault = target.storage === 'key-vault' ? target : undefined;
  const slotRow = {
    tokenStorage: target.storage,
    refreshTokenSealed: null,
    keyVaultSecretVersion: previousVersion,
    keyVaultSecretUrl: keyVault?.secretUrl ?? null,
    keyVaultTenantId: keyVault?.tenantId ?? null,
    keyVaultClientId: keyVault?.clientId ?? null,
    keyVaultClientSecretSealed: keyVault?.clientSecretSealed ?? null,
  };
  return storeOfSlot(deps, customerTokenSlot(deps, partner, customer, slotRow, target));
}

/** The customer's own token row when it holds a token, else undefined (Lanyard uses the partner's token then). */
export async function ownTokenOf(db: Db, customer: CspCustomer): Promise<CspCustomerToken | undefined> {
  const row = await findCustomerToken(db, customer.id);
  return holdsCustomerToken(row) ? row : undefined;
}

/**
 * Redeems the customer's own refresh token at the customer's tenant for `scope` and stores the
 * rotated one where it was read, by compare-and-set on the one redeemed. Every refusal is recorded
 * on the customer's token (it is this customer's consent, so a withdrawn one, AADSTS65001, is
 * `no-consent`); the error names the customer's token, not the partner's.
 */
export async function redeemCustomerToken(deps: CustomerTokenDeps, partner: CspPartner, customer: CspCustomer, scope: string, actor: string): Promise<DelegatedTokens> {
  const row = await ownTokenOf(deps.db, customer);
  if (!row) throw new LanyardError('CSP_NO_REFRESH_TOKEN', `customer ${customer.domain} holds no refresh token of its own; its admin consents through \`lanyard csp customer access ${customer.domain} invite\``, { state: 'no-consent' });
  const store = customerTokenStore(deps, partner, customer, row);
  const stored = await store.read();
  if (!stored) throw new LanyardError('CSP_NO_REFRESH_TOKEN', `customer ${customer.domain} holds no refresh token of its own`, { state: row.tokenState });
  return redeemAndStore(
    deps,
    partner,
    stored.token,
    { replacing: stored.handle, obtained: false, actor, action: 'csp.customer.own-token', store, redemption: { tenantId: customer.tenantId, scopes: [scope, 'offline_access'], action: 'csp.customer.own-token', target: customer.domain } },
    deps.clock.now(),
  );
}

export interface CustomerTokenStatus extends Omit<TokenStatus, 'partner'> {
  readonly customer: string;
  readonly storage: 'database' | 'key-vault' | null;
}

const customerReconsent = "An admin of the customer's tenant opens the consent wizard again (`lanyard csp customer access <customer> invite`, or the link of `consent-link --wizard`) and signs in with MFA.";

const customerWording: TokenWording = {
  expiring: 'Run `lanyard csp customer access <customer> refresh`, or check that `lanyard serve` runs the renewal job.',
  noConsent: {
    explanation: "The customer's admin has not consented for a token of the customer's own; Lanyard uses the partner's token for this customer.",
    remediation: "Send the consent wizard to an admin of the customer's tenant: `lanyard csp customer access <customer> invite`.",
  },
  mfaMissing: {
    explanation: "The customer's admin consented without multi-factor authentication, so Lanyard stored nothing.",
    remediation: "That admin registers MFA (or the tenant enforces it), then opens the consent wizard again (`lanyard csp customer access <customer> invite`).",
  },
  remediation: (text) => text.replace(/A partner admin runs `lanyard csp partner consent <partner>` again, opens the URL and signs in with MFA\.|Run `lanyard csp partner consent <partner>` again\./g, customerReconsent).replaceAll('the partner tenant', "the customer's tenant"),
  explanations: {
    AADSTS65001: "The customer's consent to the partner app was withdrawn in its tenant, or never covered these permissions.",
    AADSTS50020: "The consenting account is not a member of the customer's tenant.",
    AADSTS700016: "The partner app is not known in the customer's tenant.",
    AADSTS7000229: "The partner app has no service principal in the customer's tenant.",
  },
};

/** The state of the customer's own token, worded like `csp partner status`; `no-consent` when the customer has none. */
export function customerTokenStatusOf(customer: CspCustomer, row: CspCustomerToken | undefined, now: Date): CustomerTokenStatus {
  const record = row ?? { tokenState: 'no-consent' as const, tokenErrorCode: null, tokenErrorMessage: null, refreshTokenLastUsedAt: null, refreshTokenObtainedAt: null, refreshTokenRotatedAt: null, consentUpn: null, refreshTokenSealed: null, keyVaultSecretVersion: null };
  const status = tokenStatusOf(record, now, customerWording);
  return { customer: customer.domain, storage: row && holdsCustomerToken(row) ? row.tokenStorage : null, ...status, remediation: status.remediation?.replaceAll('<customer>', customer.domain) ?? null };
}
