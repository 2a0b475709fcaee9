import { LanyardError } from '../../core/errors.ts';
import {
  assertionNamespace, childElements, malformed, protocolNamespace, readSamlRequest, type RequestBinding, type SamlRequestPolicy,
} from './request-message.ts';

export interface AuthnRequestPolicy extends SamlRequestPolicy {
  /** The only ACS Lanyard posts to: `{LANYARD_MICROSOFT_LOGIN_URL}/login.srf`. */
  readonly assertionConsumerServiceUrl: string;
}

/** An AuthnRequest whose every field was read from verified (signed, when signed) XML. */
export interface VerifiedAuthnRequest {
  readonly id: string;
  readonly issueInstant: Date;
  readonly issuer: string;
  readonly destination: string | undefined;
  readonly forceAuthn: boolean;
  readonly isPassive: boolean;
  readonly nameIdFormat: string | undefined;
  readonly assertionConsumerServiceUrl: string | undefined;
  readonly protocolBinding: string | undefined;
  /** RequestedAuthnContext class refs; Entra asks for multipleauthn when it enforces the IdP's MFA. */
  readonly requestedAuthnContextClassRefs: readonly string[];
  readonly signed: boolean;
  /** The RelayState to echo (null when none); from the signed query when the redirect is signed. */
  readonly relayState: string | null;
}

/**
 * Reads an AuthnRequest posted with the HTTP-POST binding (`SAMLRequest` form field, base64;
 * `RelayState` is the form field of that name).
 *
 * @example
 *   const request = readAuthnRequestFromPost(body.SAMLRequest, {
 *     endpointUrl: `${publicUrl}/federation/contoso.com/saml2`, assertionConsumerServiceUrl: loginSrf,
 *     requireSignature: domain.requireSignedRequests, trustedCertificates: microsoftCertificates, now: new Date() });
 */
export function readAuthnRequestFromPost(samlRequest: string, policy: AuthnRequestPolicy, relayState?: string): VerifiedAuthnRequest {
  return readAuthnRequest({ binding: 'post', samlRequest, relayState }, policy);
}

/**
 * Reads an AuthnRequest from an HTTP-Redirect URL. Pass the raw query string exactly as received
 * (Koa: `ctx.querystring`); a query signature is checked over those bytes. The RelayState is
 * returned with the request, from the same parse the signature was checked on: callers must not
 * read the query themselves.
 *
 * @example
 *   const request = readAuthnRequestFromRedirect(ctx.querystring, policy);
 */
export function readAuthnRequestFromRedirect(rawQuery: string, policy: AuthnRequestPolicy): VerifiedAuthnRequest {
  return readAuthnRequest({ binding: 'redirect', rawQuery }, policy);
}

function readAuthnRequest(input: RequestBinding, policy: AuthnRequestPolicy): VerifiedAuthnRequest {
  const { root, ...common } = readSamlRequest(input, 'AuthnRequest', policy);
  const assertionConsumerServiceUrl = root.getAttribute('AssertionConsumerServiceURL') ?? undefined;
  // Tokens only ever go to login.srf: an ACS URL in the request is an open redirect unless it is that.
  if (assertionConsumerServiceUrl !== undefined && assertionConsumerServiceUrl !== policy.assertionConsumerServiceUrl) {
    throw new LanyardError('SAML_ACS_MISMATCH', 'AssertionConsumerServiceURL is not the Microsoft login URL');
  }
  const nameIdPolicy = childElements(root).find((child) => child.namespaceURI === protocolNamespace && child.localName === 'NameIDPolicy');
  const requestedContext = childElements(root).find((child) => child.namespaceURI === protocolNamespace && child.localName === 'RequestedAuthnContext');
  const requestedAuthnContextClassRefs = requestedContext
    ? childElements(requestedContext)
        .filter((child) => child.namespaceURI === assertionNamespace && child.localName === 'AuthnContextClassRef')
        .map((child) => (child.textContent ?? '').trim())
    : [];
  return {
    ...common,
    forceAuthn: xsBoolean(root.getAttribute('ForceAuthn'), 'ForceAuthn'),
    isPassive: xsBoolean(root.getAttribute('IsPassive'), 'IsPassive'),
    nameIdFormat: nameIdPolicy?.getAttribute('Format') ?? undefined,
    assertionConsumerServiceUrl,
    protocolBinding: root.getAttribute('ProtocolBinding') ?? undefined,
    requestedAuthnContextClassRefs,
  };
}

function xsBoolean(value: string | null, name: string): boolean {
  if (value === null || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw malformed(`${name} must be an xs:boolean`);
}
