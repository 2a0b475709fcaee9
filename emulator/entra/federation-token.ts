import type { Element } from '@xmldom/xmldom';

/** A token posted to login.srf, located but not yet trusted: only `issuer` is read before verification. */
export interface LocatedToken {
  readonly protocol: 'wsFed' | 'saml';
  readonly documentXml: string;
  readonly assertion: Element;
  readonly idAttribute: 'AssertionID' | 'ID';
  /** From the unverified assertion; used only to find the realm, then compared with the signed one. */
  readonly issuer: string;
}

/** What login.srf uses from the signed assertion (and, for SAML, the Response around it). */
export interface TokenClaims {
  readonly issuer: string;
  readonly immutableId: string;
  readonly audiences: readonly string[];
  readonly notBefore: number | undefined;
  readonly notOnOrAfter: number | undefined;
  readonly mfaPerformed: boolean;
  /** SAML only: must equal login.srf. */
  readonly recipients: readonly string[];
  /** SAML only: the AuthnRequest ID answered, from SubjectConfirmationData and Response. */
  readonly inResponseTo: readonly string[];
}

export function parseInstant(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new TypeError(`invalid time ${value}`);
  return time;
}
