import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AadstsError } from './aadsts.ts';

/**
 * How long a sign-in request the emulator sent to an IdP stays answerable. Entra's is undocumented
 * ("short-lived", KB 4541747); the EAM docs say Entra drops pending state about 10 minutes after
 * redirecting, so the emulator uses 10 minutes.
 */
export const loginRequestLifetimeMilliseconds = 10 * 60 * 1000;

/** What the emulator remembers about a sign-in it sent to a federated IdP. */
export interface LoginRequest {
  readonly id: string;
  readonly tenantId: string;
  readonly domain: string;
  readonly userPrincipalName: string;
  /** True after an MFA bounce: the IdP was asked for `multipleauthn`. */
  readonly mfaRequested: boolean;
  readonly expiresAt: number;
  /** SAML only: the RelayState sent with the AuthnRequest, which the IdP must return unchanged. */
  readonly relayState?: string;
}

function invalidContext(message: string): AadstsError {
  // Entra's code for a stale or forged estsrequest is not documented; InvalidRequestParameter is the emulator's choice.
  return new AadstsError(90100, 'invalid_request', message);
}

/**
 * Issues and redeems sign-in requests. WS-Fed: the state travels in `wctx` as an HMAC-protected,
 * expiring `estsrequest` blob. SAML: the AuthnRequest ID is remembered server-side. Either is
 * accepted once (the stricter choice: Entra does not document replay of a used request).
 */
export class LoginRequests {
  readonly #key = randomBytes(32);
  readonly #pendingSaml = new Map<string, LoginRequest>();
  readonly #redeemed = new Set<string>();

  /** `LoginOptions=3&estsredirect=2&estsrequest=<payload>.<mac>`, as Entra formats wctx. */
  issueWsFedContext(request: Omit<LoginRequest, 'id' | 'expiresAt'>, now: number): string {
    const payload: LoginRequest = { ...request, id: randomUUID(), expiresAt: now + loginRequestLifetimeMilliseconds };
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const mac = createHmac('sha256', this.#key).update(encoded).digest('base64url');
    return `LoginOptions=3&estsredirect=2&estsrequest=${encoded}.${mac}`;
  }

  /** Checks that `wctx` is one the emulator issued, unexpired and not yet used; does not consume it. */
  readWsFedContext(wctx: string | undefined, now: number): LoginRequest {
    if (!wctx) throw invalidContext('The wctx parameter is missing; this emulator accepts only sign-ins it started.');
    const blob = new URLSearchParams(wctx).get('estsrequest') ?? '';
    const [encoded, mac] = blob.split('.');
    const expected = createHmac('sha256', this.#key).update(encoded ?? '').digest();
    const presented = Buffer.from(mac ?? '', 'base64url');
    if (!encoded || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw invalidContext('The sign-in request context (wctx) was not issued by this service.');
    }
    const request = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as LoginRequest;
    return this.#checkUsable(request, now);
  }

  issueSamlRequest(request: Omit<LoginRequest, 'id' | 'expiresAt'>, now: number): LoginRequest {
    const issued: LoginRequest = {
      ...request,
      id: `_${randomUUID()}`,
      expiresAt: now + loginRequestLifetimeMilliseconds,
      relayState: randomBytes(16).toString('base64url'),
    };
    this.#pendingSaml.set(issued.id, issued);
    return issued;
  }

  readSamlRequest(inResponseTo: string | undefined, now: number): LoginRequest {
    const request = inResponseTo ? this.#pendingSaml.get(inResponseTo) : undefined;
    if (!request) throw invalidContext('InResponseTo does not name an AuthnRequest this service issued.');
    return this.#checkUsable(request, now);
  }

  /** Marks the request used after a successful sign-in (or an MFA bounce that replaces it). */
  redeem(request: LoginRequest): void {
    this.#redeemed.add(request.id);
    this.#pendingSaml.delete(request.id);
  }

  clear(): void {
    this.#pendingSaml.clear();
    this.#redeemed.clear();
  }

  #checkUsable(request: LoginRequest, now: number): LoginRequest {
    if (request.expiresAt <= now) throw invalidContext('The sign-in request has expired; start the sign-in again.');
    if (this.#redeemed.has(request.id)) throw invalidContext('The sign-in request was already used.');
    return request;
  }
}
