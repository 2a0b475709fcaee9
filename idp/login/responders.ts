import type { ActiveSigningKey } from '../signing/key-store.ts';
import type { TokenInput } from '../tokens/token-input.ts';
import type { IdpDeps } from './deps.ts';
import type { ProtocolRequest } from './sign-in-request.ts';

/** What a completed sign-in proves, for the protocol to put in its token. */
export interface CompletedSignIn extends TokenInput {
  /** Identifies this sign-in at the relying party (SAML's SessionIndex, used by single logout). */
  readonly sessionIndex: string;
}

/** The auto-posting form that carries the token to the relying party. */
export interface TokenForm {
  readonly action: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Answers a completed sign-in in one protocol: WS-Fed and SAML 2.0 today, OIDC and the portal's own
 * session next. The login flow picks the responder by the protocol of the request Microsoft (or the
 * portal) started, so it never needs to know the protocols themselves.
 */
export interface SignInResponder<Protocol extends ProtocolRequest['protocol'] = ProtocolRequest['protocol']> {
  readonly protocol: Protocol;
  respond(deps: IdpDeps, signIn: CompletedSignIn, request: Extract<ProtocolRequest, { protocol: Protocol }>, key: ActiveSigningKey): Promise<TokenForm>;
}

/** A responder of any one protocol. */
export type AnySignInResponder = { [Protocol in ProtocolRequest['protocol']]: SignInResponder<Protocol> }[ProtocolRequest['protocol']];

export type SignInResponders = ReadonlyMap<string, AnySignInResponder>;

export function signInResponders(responders: readonly AnySignInResponder[]): SignInResponders {
  return new Map(responders.map((responder) => [responder.protocol, responder]));
}
