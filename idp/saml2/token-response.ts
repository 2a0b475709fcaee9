import type { IdpDeps } from '../login/deps.ts';
import { loginSrfUrl } from '../login/deps.ts';
import type { SignInResponder } from '../login/responders.ts';
import type { ProtocolRequest } from '../login/sign-in-request.ts';
import type { ActiveSigningKey } from '../signing/key-store.ts';
import { buildSamlResponse, type SamlResponseInput } from '../tokens/saml2-response.ts';

/** The SAML 2.0 HTTP-POST response: base64 `SAMLResponse` and the RelayState echoed, to login.srf. */
export async function samlTokenForm(
  deps: IdpDeps,
  token: Omit<SamlResponseInput, 'destination' | 'inResponseTo'>,
  request: Extract<ProtocolRequest, { protocol: 'saml' }>,
  key: ActiveSigningKey,
): Promise<{ action: string; fields: Record<string, string> }> {
  const destination = loginSrfUrl(deps.config);
  const xml = await buildSamlResponse({ ...token, destination, inResponseTo: request.authnRequestId }, key);
  const fields: Record<string, string> = { SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') };
  if (request.relayState !== null) fields.RelayState = request.relayState;
  return { action: destination, fields };
}

export const samlResponder: SignInResponder<'saml'> = { protocol: 'saml', respond: samlTokenForm };
