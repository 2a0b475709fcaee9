import type { User } from './model.ts';

/**
 * A tenant's users by object id, with indexes on the two keys Graph keeps unique: the UPN (compared
 * case-insensitively) and onPremisesImmutableId. Lookups stay constant-time with 100,000 users, which
 * the provisioning bench needs. Code that changes either key on a stored user calls `reindex`.
 */
export class UserDirectory extends Map<string, User> {
  readonly #byPrincipalName = new Map<string, User>();
  readonly #byImmutableId = new Map<string, User>();

  override set(id: string, user: User): this {
    const previous = super.get(id);
    if (previous) this.#unindex(previous.userPrincipalName, previous.onPremisesImmutableId);
    super.set(id, user);
    this.#index(user);
    return this;
  }

  override delete(id: string): boolean {
    const user = super.get(id);
    if (user) this.#unindex(user.userPrincipalName, user.onPremisesImmutableId);
    return super.delete(id);
  }

  override clear(): void {
    this.#byPrincipalName.clear();
    this.#byImmutableId.clear();
    super.clear();
  }

  byPrincipalName(userPrincipalName: string): User | undefined {
    return this.#byPrincipalName.get(userPrincipalName.toLowerCase());
  }

  byImmutableId(immutableId: string): User | undefined {
    return this.#byImmutableId.get(immutableId);
  }

  /** After `user`'s UPN or immutable ID changed from the values given. */
  reindex(user: User, before: { userPrincipalName: string; onPremisesImmutableId: string | null }): void {
    this.#unindex(before.userPrincipalName, before.onPremisesImmutableId);
    this.#index(user);
  }

  #index(user: User): void {
    this.#byPrincipalName.set(user.userPrincipalName.toLowerCase(), user);
    if (user.onPremisesImmutableId) this.#byImmutableId.set(user.onPremisesImmutableId, user);
  }

  #unindex(userPrincipalName: string, immutableId: string | null): void {
    this.#byPrincipalName.delete(userPrincipalName.toLowerCase());
    if (immutableId) this.#byImmutableId.delete(immutableId);
  }
}
