import { LanyardError } from '../../core/errors.ts';
import { microsoftUnreachable } from '../../provisioning/tenant/microsoft-unreachable.ts';
import { explainAadsts } from './aadsts.ts';

/** Key Vault's REST API version the calls speak (the emulator's and Azure's). */
const apiVersion = '7.4';
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

const tokens = new Map<string, { accessToken: string; renewAt: number }>();

/**
 * Key Vault's secrets REST API with client credentials. `@azure/keyvault-secrets` and
 * `@azure/identity` are not installed in this repository, so this speaks the documented protocol
 * itself. The token is asked from the partner's configured login URL and the admin's tenant, never
 * from the authority a vault's 401 challenge names: a vault URL must not be able to steer where the
 * Key Vault app's secret is sent. A 401 (the challenge, e.g. a token the vault no longer accepts)
 * gets one fresh token and one retry.
 *
 * @example
 *   const vault = new KeyVaultClient(access);
 *   const { version } = await vault.set(refreshToken);
 */
export class KeyVaultClient {
  readonly #vaultUrl: string;
  readonly #name: string;

  constructor(private readonly access: KeyVaultAccess) {
    const { vaultUrl, name } = parseSecretUrl(access.secretUrl);
    this.#vaultUrl = vaultUrl;
    this.#name = name;
  }

  /** Writes a new version holding `value`; it becomes the secret's current version. */
  async set(value: string, tags: Record<string, string> = {}): Promise<VaultSecret> {
    const body = await this.#call('PUT', '', { value, contentType: 'application/vnd.lanyard.refresh-token', tags });
    return { version: versionOf(body), value };
  }

  /** The value of `version`, or of the current version when absent. */
  async get(version?: string): Promise<VaultSecret> {
    const body = await this.#call('GET', version ? `/${encodeURIComponent(version)}` : '');
    if (typeof body.value !== 'string') throw refused(200, 'NoValue', 'Key Vault returned the secret without a value');
    return { version: versionOf(body), value: body.value };
  }

  /** Disables one version: Key Vault then refuses to give its value to anyone (an old, spent token). */
  async disable(version: string): Promise<void> {
    await this.#call('PATCH', `/${encodeURIComponent(version)}`, { attributes: { enabled: false } });
  }

  /** Every version of the secret with whether it is enabled (pages followed, on this vault only). */
  async versions(): Promise<{ version: string; enabled: boolean }[]> {
    const found: { version: string; enabled: boolean }[] = [];
    let url: string | null = `${this.#vaultUrl}/secrets/${this.#name}/versions?api-version=${apiVersion}`;
    while (url) {
      // The bearer token goes to this vault only, whatever a nextLink says.
      if (new URL(url).origin !== this.#vaultUrl) throw refused(200, 'BadNextLink', `Key Vault's nextLink points outside the vault: ${url}`);
      const page = await this.#send('GET', url);
      for (const item of Array.isArray(page.value) ? (page.value as Record<string, unknown>[]) : []) {
        found.push({ version: versionOf(item), enabled: (item.attributes as { enabled?: unknown } | undefined)?.enabled !== false });
      }
      url = typeof page.nextLink === 'string' ? page.nextLink : null;
    }
    return found;
  }

  /** Deletes the secret (every version; soft delete on vaults that have it). */
  async delete(): Promise<void> {
    await this.#call('DELETE', '');
  }

  async #call(method: string, suffix: string, body?: unknown): Promise<Record<string, unknown>> {
    return this.#send(method, `${this.#vaultUrl}/secrets/${this.#name}${suffix}?api-version=${apiVersion}`, body);
  }

  async #send(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.#token(attempt > 1);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        throw (await microsoftUnreachable(this.#vaultUrl, error)) ?? error;
      }
      const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (response.status === 401 && attempt === 1) continue;
      if (!response.ok) {
        const error = (answer.error ?? {}) as { code?: unknown; message?: unknown; innererror?: { code?: unknown } };
        throw refused(response.status, String(error.innererror?.code ?? error.code ?? `HTTP ${response.status}`), String(error.message ?? ''));
      }
      return answer;
    }
  }

  async #token(renew: boolean): Promise<string> {
    const key = `${this.access.loginUrl}|${this.access.tenantId}|${this.access.clientId}`;
    const cached = tokens.get(key);
    if (!renew && cached && cached.renewAt > Date.now()) return cached.accessToken;
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
    tokens.set(key, { accessToken: body.access_token, renewAt: Date.now() + lifetimeMs - renewBeforeMs });
    return body.access_token;
  }
}

function versionOf(body: Record<string, unknown>): string {
  const version = typeof body.id === 'string' ? /\/secrets\/[^/]+\/([^/?]+)/.exec(new URL(body.id).pathname)?.[1] : undefined;
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
