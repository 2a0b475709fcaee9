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
  }
}
