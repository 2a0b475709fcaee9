import type { IdpDeps } from '../login/deps.ts';
import { loginSrfUrl } from '../login/deps.ts';
import type { SignInResponder } from '../login/responders.ts';
import type { ProtocolRequest } from '../login/sign-in-request.ts';
import type { ActiveSigningKey } from '../signing/key-store.ts';
import { buildWsFedResult, type WsFedTokenInput } from '../tokens/wsfed-token.ts';

/**
 * The WS-Fed passive response: `wa`, `wresult` (RSTR with the signed SAML 1.1 assertion) and `wctx`
 * exactly as Microsoft sent it, posted to login.srf and nowhere else.
 */
export async function wsFedTokenForm(
  deps: IdpDeps,
  token: WsFedTokenInput,
  request: Extract<ProtocolRequest, { protocol: 'wsfed' }>,
  key: ActiveSigningKey,
): Promise<{ action: string; fields: Record<string, string> }> {
  const fields: Record<string, string> = { wa: 'wsignin1.0', wresult: await buildWsFedResult(token, key) };
  if (request.wctx !== null) fields.wctx = request.wctx;
  return { action: loginSrfUrl(deps.config), fields };
}

export const wsFedResponder: SignInResponder<'wsfed'> = { protocol: 'wsfed', respond: wsFedTokenForm };
