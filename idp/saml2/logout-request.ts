import { LanyardError } from '../../core/errors.ts';
import {
  assertionNamespace, childElements, malformed, protocolNamespace, readSamlRequest, type RequestBinding, type SamlRequestPolicy,
} from './request-message.ts';

/** A LogoutRequest whose every field was read from verified (signed, when signed) XML. */
export interface VerifiedLogoutRequest {
  readonly id: string;
  readonly issueInstant: Date;
  readonly issuer: string;
  readonly destination: string | undefined;
  readonly nameId: string;
  readonly nameIdFormat: string | undefined;
  readonly sessionIndexes: readonly string[];
  readonly notOnOrAfter: Date | undefined;
  readonly signed: boolean;
  /** The RelayState to echo (null when none); from the signed query when the redirect is signed. */
  readonly relayState: string | null;
}

/**
 * Reads a single-logout LogoutRequest with the same strictness as AuthnRequests. Entra sends it
 * with the HTTP-Redirect binding; HTTP-POST is accepted too.
 *
 * @example
 *   const request = readLogoutRequest({ binding: 'redirect', rawQuery: ctx.querystring }, policy);
 *   await endSessions(request.nameId, request.sessionIndexes);
 */
export function readLogoutRequest(input: RequestBinding, policy: SamlRequestPolicy): VerifiedLogoutRequest {
  const { root, ...common } = readSamlRequest(input, 'LogoutRequest', policy);
  const children = childElements(root);
  const nameIds = children.filter((child) => child.namespaceURI === assertionNamespace && child.localName === 'NameID');
  if (nameIds.length !== 1 || !nameIds[0]!.textContent) throw malformed('LogoutRequest needs exactly one NameID');
  const notOnOrAfterText = root.getAttribute('NotOnOrAfter');
  const notOnOrAfter = notOnOrAfterText === null ? undefined : new Date(notOnOrAfterText);
  if (notOnOrAfter !== undefined && Number.isNaN(notOnOrAfter.getTime())) throw malformed('NotOnOrAfter must be an xs:dateTime');
  if (notOnOrAfter !== undefined && notOnOrAfter.getTime() <= policy.now.getTime()) {
    throw new LanyardError('SAML_REQUEST_STALE', 'the logout request has expired');
  }
  return {
    ...common,
    nameId: nameIds[0]!.textContent,
    nameIdFormat: nameIds[0]!.getAttribute('Format') ?? undefined,
    sessionIndexes: children
      .filter((child) => child.namespaceURI === protocolNamespace && child.localName === 'SessionIndex')
      .map((child) => child.textContent ?? ''),
    notOnOrAfter,
  };
}
