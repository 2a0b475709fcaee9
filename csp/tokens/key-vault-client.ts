import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { isLanyardError, LanyardError } from '../../core/errors.ts';
import { microsoftUnreachable } from '../../provisioning/tenant/microsoft-unreachable.ts';
import { explainAadsts } from './aadsts.ts';
import { fetchHttpClient } from './key-vault-http.ts';

const vaultScope = 'https://vault.azure.net/.default';
const renewBeforeMs = 5 * 60_000;
const secretUrlPattern = /^\/secrets\/([0-9a-zA-Z-]{1,127})\/?$/;

/** The app Lanyard reads and writes a partner's Key Vault secret as (client credentials). */
export interface KeyVaultAccess {
  /** `https://{vault}/secrets/{name}`, as the admin typed it. */
  readonly secretUrl: string;
  /** The login URL tokens are asked from (the partner's, i.e. Microsoft's or the emulator's). */
  readonly loginUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface VaultSecret {
  readonly version: string;
  readonly value: string;
}

/** `https://vault/secrets/name` → the vault's base URL and the secret's name; CSP_KEY_VAULT_URL_INVALID otherwise. */
export function parseSecretUrl(secretUrl: string): { vaultUrl: string; name: string } {
  let url: URL;
  try {
    url = new URL(secretUrl.trim());
  } catch {
    throw keyVaultUrlInvalid(secretUrl);
  }
  const match = secretUrlPattern.exec(url.pathname);
  if (url.protocol !== 'https:' || !match || url.search || url.hash || url.username) throw keyVaultUrlInvalid(secretUrl);
  return { vaultUrl: url.origin, name: match[1]! };
}

const keyVaultUrlInvalid = (secretUrl: string) =>
  new LanyardError('CSP_KEY_VAULT_URL_INVALID', `--secret-url must be a Key Vault secret's URL without a version, https://<vault>.vault.azure.net/secrets/<name> (name: letters, digits, hyphens); "${secretUrl}" is not one`);

// Azure's Key Vault domains (public and sovereign clouds); any other host is a vault emulator.
const azureVaultHost = /\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)$|\.managedhsm\.azure\.net$/i;

/**
 * A partner's Key Vault secret through `@azure/keyvault-secrets` (SecretClient), with a credential
 * that asks the partner's configured login URL for a client-credentials token (what
 * `@azure/identity`'s ClientSecretCredential does with that login URL as authority host; the
 * identity package is not installed). The SDK does Key Vault's 401 challenge; the credential takes
 * the tenant and login URL the admin configured, never the authority a challenge names, and only
 * ever issues Key Vault tokens, so a vault URL cannot steer where the Key Vault app's secret goes.
 *
 * @example
 *   const vault = new KeyVaultClient(access);
 *   const { version } = await vault.set(refreshToken);
 */
export class KeyVaultClient {
  readonly #vaultUrl: string;
  readonly #name: string;
  readonly #client: SecretClient;
  /** This client's Key Vault token: per instance, so no process-wide state outlives the credentials it was got with. */
  #token: { accessToken: string; expiresAt: number } | undefined;

  constructor(private readonly access: KeyVaultAccess) {
    const { vaultUrl, name } = parseSecretUrl(access.secretUrl);
    this.#vaultUrl = vaultUrl;
    this.#name = name;
    const credential: TokenCredential = { getToken: (scopes) => this.#accessToken(scopes) };
    this.#client = new SecretClient(vaultUrl, credential, {
      httpClient: fetchHttpClient,
      serviceVersion: '7.4',
      retryOptions: { maxRetries: 2 },
      // The SDK checks that the challenge's resource matches the vault's domain, which an emulator's
      // 127.0.0.1 cannot; the credential above hands out Key Vault tokens only, whatever the challenge.
      disableChallengeResourceVerification: !azureVaultHost.test(new URL(vaultUrl).hostname),
    });
  }

  /** Writes a new version holding `value`; it becomes the secret's current version. */
  async set(value: string, tags: Record<string, string> = {}): Promise<VaultSecret> {
    const secret = await this.#sdk(() => this.#client.setSecret(this.#name, value, { contentType: 'application/vnd.lanyard.refresh-token', tags }));
    return { version: versionOf(secret.properties.version), value };
  }

  /** The value of `version`, or of the current version when absent. */
  async get(version?: string): Promise<VaultSecret> {
    const secret = await this.#sdk(() => this.#client.getSecret(this.#name, version ? { version } : {}));
    if (typeof secret.value !== 'string') throw refused(200, 'NoValue', 'Key Vault returned the secret without a value');
    return { version: versionOf(secret.properties.version), value: secret.value };
  }

  /** Disables one version: Key Vault then refuses to give its value to anyone (an old, spent token). */
  async disable(version: string): Promise<void> {
    await this.#sdk(() => this.#client.updateSecretProperties(this.#name, version, { enabled: false }));
  }

  /** Every version of the secret with whether it is enabled (the SDK follows the pages). */
  async versions(): Promise<{ version: string; enabled: boolean }[]> {
    return this.#sdk(async () => {
      const found: { version: string; enabled: boolean }[] = [];
      for await (const properties of this.#client.listPropertiesOfSecretVersions(this.#name)) found.push({ version: versionOf(properties.version), enabled: properties.enabled !== false });
      return found;
    });
  }

  /** Deletes the secret (every version; soft delete on vaults that have it). Does not wait for the purge-able state. */
  async delete(): Promise<void> {
    await this.#sdk(() => this.#client.beginDeleteSecret(this.#name));
  }

  /** Runs an SDK call, turning its RestError into CSP_KEY_VAULT_REFUSED and a missing answer into MICROSOFT_UNREACHABLE. */
  async #sdk<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isLanyardError(error)) throw error;
      const rest = error as { name?: unknown; statusCode?: unknown; code?: unknown; message?: unknown; details?: { error?: { innererror?: { code?: unknown } } } };
      if (rest.name === 'RestError' && typeof rest.statusCode === 'number') {
        throw refused(rest.statusCode, String(rest.details?.error?.innererror?.code ?? rest.code ?? `HTTP ${rest.statusCode}`), String(rest.message ?? ''));
      }
      throw (await microsoftUnreachable(this.#vaultUrl, (error as { cause?: unknown }).cause ?? error)) ?? (await microsoftUnreachable(this.#vaultUrl, error)) ?? error;
    }
  }

  async #accessToken(scopes: string | string[]): Promise<AccessToken> {
    const asked = typeof scopes === 'string' ? [scopes] : scopes;
    if (!asked.every((scope) => scope.replace(/\/+\.default$/, '/.default') === vaultScope)) {
      throw new LanyardError('CSP_KEY_VAULT_REFUSED', `the vault asked for a token for ${asked.join(' ')}, not Key Vault; Lanyard only gets Key Vault tokens for it`, { status: 401, keyVaultCode: 'UnexpectedScope' });
    }
    const cached = this.#token;
    if (cached && cached.expiresAt - renewBeforeMs > Date.now()) return { token: cached.accessToken, expiresOnTimestamp: cached.expiresAt };
    const tokenUrl = `${this.access.loginUrl}/${encodeURIComponent(this.access.tenantId)}/oauth2/v2.0/token`;
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.access.clientId, client_secret: this.access.clientSecret, scope: vaultScope }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw (await microsoftUnreachable(this.access.loginUrl, error)) ?? error;
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error_description?: unknown };
    if (!response.ok || typeof body.access_token !== 'string') {
      const meaning = explainAadsts(String(body.error_description ?? ''));
      throw new LanyardError('CSP_KEY_VAULT_REFUSED', `Entra refused a Key Vault token to the Key Vault app ${this.access.clientId}: ${meaning.explanation} Check --tenant-id, --client-id and the secret given to \`lanyard csp partner use-key-vault\`.`, {
        aadsts: meaning.code,
        status: response.status,
      });
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in) || 3600) * 1000;
    const expiresAt = Date.now() + lifetimeMs;
    this.#token = { accessToken: body.access_token, expiresAt };
    return { token: body.access_token, expiresOnTimestamp: expiresAt };
  }
}

function versionOf(version: string | undefined): string {
  if (!version) throw refused(200, 'NoVersion', 'Key Vault returned no secret version id');
  return version;
}

/** Key Vault answered no: CSP_KEY_VAULT_REFUSED naming its code and what to check. */
function refused(status: number, code: string, message: string): LanyardError {
  const fix =
    status === 403 && code !== 'SecretDisabled'
      ? 'Give the Key Vault app the "Key Vault Secrets Officer" role on the vault (or get, set, delete in its access policy).'
      : status === 404
        ? 'The secret is not in the vault: check --secret-url, or run `lanyard csp partner set-refresh-token` / `consent` again.'
        : code === 'SecretDisabled'
          ? 'The token version Lanyard uses was disabled in the vault: run `lanyard csp partner consent` again.'
          : status === 409
            ? 'The secret name is deleted but recoverable in the vault: purge or recover it, or use another name.'
            : 'See the Key Vault code.';
  return new LanyardError('CSP_KEY_VAULT_REFUSED', `Key Vault answered ${status} ${code}${message ? `: ${message}` : ''}. ${fix}`, { status, keyVaultCode: code });
}
