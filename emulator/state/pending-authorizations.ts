import { randomBytes } from 'node:crypto';

/** How long the sign-in pages of one authorize request stay usable (EMULATOR CHOICE, as for wctx). */
export const pendingAuthorizationLifetimeMilliseconds = 10 * 60 * 1000;

export type ResponseMode = 'query' | 'fragment' | 'form_post';
export type AuthorizationStep = 'credentials' | 'second-factor' | 'consent' | 'done';

/** An authorize request between its first page and the redirect back to the app. */
export interface PendingAuthorization {
  readonly id: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly scopes: readonly string[];
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: 'S256' | 'plain' | undefined;
  readonly prompt: string | undefined;
  readonly loginHint: string | undefined;
  /** `client_info=1`: the redirect carries client_info too. */
  readonly clientInfo: boolean;
  readonly expiresAt: number;
  readonly step: AuthorizationStep;
  readonly userId?: string;
  readonly authenticationMethods?: readonly string[];
  readonly authenticatedAt?: number;
}

export class PendingAuthorizations {
  readonly #pending = new Map<string, PendingAuthorization>();

  start(request: Omit<PendingAuthorization, 'id' | 'expiresAt' | 'step'>, now: number): PendingAuthorization {
    const pending: PendingAuthorization = {
      ...request,
      id: randomBytes(24).toString('base64url'),
      expiresAt: now + pendingAuthorizationLifetimeMilliseconds,
      step: 'credentials',
    };
    this.#pending.set(pending.id, pending);
    return pending;
  }

  /** The request if it exists, is unexpired and is at `step`; a page posted twice or out of order finds nothing. */
  find(id: string, step: AuthorizationStep, now: number): PendingAuthorization | undefined {
    const pending = this.#pending.get(id);
    return pending && pending.step === step && pending.expiresAt > now ? pending : undefined;
  }

  /** Compare-and-set: moves the request from `from` to the next step; `undefined` when it was not at `from`. */
  advance(id: string, from: AuthorizationStep, changes: Partial<PendingAuthorization> & { step: AuthorizationStep }): PendingAuthorization | undefined {
    const pending = this.#pending.get(id);
    if (!pending || pending.step !== from) return undefined;
    const next = { ...pending, ...changes, id: pending.id };
    if (next.step === 'done') this.#pending.delete(id);
    else this.#pending.set(id, next);
    return next;
  }

  clear(): void {
    this.#pending.clear();
  }
}
