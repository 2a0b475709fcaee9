import { randomBytes } from 'node:crypto';

export interface SecretVersion {
  readonly name: string;
  /** 32 lowercase hex digits, as Key Vault's version ids. */
  readonly version: string;
  readonly value: string;
  readonly contentType: string | undefined;
  readonly tags: Readonly<Record<string, string>> | undefined;
  readonly enabled: boolean;
  /** Unix seconds. */
  readonly created: number;
  readonly updated: number;
}

export interface NewSecretVersion {
  readonly value: string;
  readonly contentType?: string | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly enabled?: boolean | undefined;
}

/** The emulator's one Key Vault: secrets by name (case-insensitive, as Key Vault's), each with its versions in creation order. */
export class KeyVaultSecrets {
  readonly #secrets = new Map<string, SecretVersion[]>();
  /** Soft-deleted secrets (the vault has soft delete on, as every vault since 2021): name → versions. */
  readonly #deleted = new Map<string, { versions: SecretVersion[]; deletedDate: number }>();

  /** Whether `name` is deleted but recoverable: Key Vault refuses to set it (409) until purged or recovered. */
  isDeleted(name: string): boolean {
    return this.#deleted.has(name.toLowerCase());
  }

  /** Moves every version of `name` to the deleted secrets; returns its current version, or undefined when unknown. */
  delete(name: string, now: number): { current: SecretVersion; deletedDate: number } | undefined {
    const versions = this.#secrets.get(name.toLowerCase());
    if (!versions?.length) return undefined;
    this.#secrets.delete(name.toLowerCase());
    const deletedDate = Math.floor(now / 1000);
    this.#deleted.set(name.toLowerCase(), { versions, deletedDate });
    return { current: versions.at(-1)!, deletedDate };
  }

  /** Changes a version's `enabled` attribute (Update Secret); returns the updated version, or undefined when unknown. */
  update(name: string, version: string, change: { enabled?: boolean | undefined }, now: number): SecretVersion | undefined {
    const versions = this.#secrets.get(name.toLowerCase()) ?? [];
    const index = versions.findIndex((candidate) => candidate.version === version.toLowerCase());
    if (index < 0) return undefined;
    const updated: SecretVersion = { ...versions[index]!, ...(change.enabled !== undefined ? { enabled: change.enabled } : {}), updated: Math.floor(now / 1000) };
    versions[index] = updated;
    return updated;
  }

  /** Adds a version; it becomes the current one. */
  set(name: string, input: NewSecretVersion, now: number): SecretVersion {
    const created = Math.floor(now / 1000);
    const version: SecretVersion = {
      name: this.#secrets.get(name.toLowerCase())?.[0]?.name ?? name,
      version: randomBytes(16).toString('hex'),
      value: input.value,
      contentType: input.contentType,
      tags: input.tags,
      enabled: input.enabled ?? true,
      created,
      updated: created,
    };
    const versions = this.#secrets.get(name.toLowerCase()) ?? [];
    versions.push(version);
    this.#secrets.set(name.toLowerCase(), versions);
    return version;
  }

  /** The named version, or the current one when `version` is absent. */
  get(name: string, version?: string): SecretVersion | undefined {
    const versions = this.#secrets.get(name.toLowerCase()) ?? [];
    return version === undefined ? versions.at(-1) : versions.find((candidate) => candidate.version === version.toLowerCase());
  }

  versions(name: string): readonly SecretVersion[] {
    return this.#secrets.get(name.toLowerCase()) ?? [];
  }

  /** The current version of every secret. */
  current(): SecretVersion[] {
    return [...this.#secrets.values()].flatMap((versions) => versions.slice(-1));
  }

  clear(): void {
    this.#secrets.clear();
    this.#deleted.clear();
  }
}
