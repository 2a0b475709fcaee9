import type { Element } from '@xmldom/xmldom';
import { loginSrfUrl, microsoftOnlineUrn, type EmulatorContext } from '../context.ts';
import type { Domain, FederationProtocol, Tenant, User } from '../state/model.ts';
import { AadstsError } from './aadsts.ts';
import type { LocatedToken, TokenClaims } from './federation-token.ts';
import type { LoginRequest } from './login-requests.ts';
import { isSuccess, locateSamlAssertion, readSamlClaims, type LocatedSamlResponse } from './saml2-token.ts';
import { SignatureError, verifySignedElement } from './signature.ts';
import { locateWsFedAssertion, readWsFedClaims } from './wsfed-token.ts';
import { XmlSyntaxError } from './xml.ts';

/**
 * Clock skew allowed on NotBefore/NotOnOrAfter. Entra's is undocumented (federation reference 1.3);
 * two minutes is the emulator's deliberately small choice.
 */
export const clockSkewMilliseconds = 2 * 60 * 1000;

export interface ValidatedSignIn {
  readonly protocol: FederationProtocol;
  readonly tenant: Tenant;
  readonly domain: Domain;
  readonly user: User;
  readonly issuer: string;
  readonly mfaPerformed: boolean;
  readonly loginRequest: LoginRequest;
}

const syntaxError = (message: string) => new AadstsError(20012, 'invalid_request', `The token is malformed: ${message}`);
const tokenError = (message: string) => new AadstsError(50008, 'invalid_request', `SAML token is invalid: ${message}`);

/**
 * Validates a POST to login.srf in the order AADInternals observed in Entra (federation reference 0.4):
 * syntax; realm by Issuer (50107); signing certificate is the realm's current or next one (50008 WS-Fed,
 * 500081 SAML); signature with that certificate only (50008 / 50006); then audience, lifetime, SAML
 * recipient, the request the emulator issued; the user by ImmutableID alone (51004).
 */
export function validateLoginSrfPost(context: EmulatorContext, form: ReadonlyMap<string, string>): ValidatedSignIn {
  const samlResponse = form.get('SAMLResponse');
  const protocol: FederationProtocol = samlResponse !== undefined ? 'saml' : 'wsFed';
  let located: LocatedToken;
  try {
    if (samlResponse !== undefined) {
      located = locateSamlAssertion(samlResponse);
    } else {
      if (!form.get('wa')) throw new AadstsError(90081, 'invalid_request', "The request is missing the 'wa' parameter.");
      if (form.get('wa') !== 'wsignin1.0') throw new AadstsError(90081, 'invalid_request', `Unsupported wa value '${form.get('wa') ?? ''}'.`);
      const wresult = form.get('wresult');
      if (!wresult) throw new AadstsError(90013, 'invalid_request', "The request is missing the 'wresult' parameter.");
      located = locateWsFedAssertion(wresult);
    }
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw syntaxError(error.message);
    throw error;
  }

  const realm = context.state.findRealmByIssuer(located.issuer);
  const configuration = realm?.domain.federationConfiguration;
  if (!realm || !configuration || realm.domain.authenticationType !== 'Federated') {
    throw new AadstsError(50107, 'invalid_request', `The requested federation realm object '${located.issuer}' does not exist.`);
  }
  const trusted = [configuration.signingCertificate, configuration.nextSigningCertificate].filter(
    (certificate): certificate is string => Boolean(certificate),
  );
  let verified: Element;
  try {
    verified = verifySignedElement(located.documentXml, located.assertion, located.idAttribute, trusted);
  } catch (error) {
    if (!(error instanceof SignatureError)) throw error;
    if (protocol === 'wsFed') throw new AadstsError(50008, 'invalid_request', error.message);
    if (error.failure === 'certificate-not-trusted') throw new AadstsError(500081, 'invalid_request', error.message);
    throw new AadstsError(50006, 'invalid_request', error.message);
  }

  let claims: TokenClaims;
  try {
    claims = protocol === 'saml' ? readSamlClaims(verified, located as LocatedSamlResponse) : readWsFedClaims(verified);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw syntaxError(error.message);
    throw error;
  }
  if (claims.issuer !== located.issuer) throw tokenError('the signed Issuer differs from the one presented.');
  checkConditions(context, claims);
  const loginRequest = checkRequest(context, protocol, located, claims, form);

  let user: User | undefined;
  for (const candidate of realm.tenant.users.values()) {
    if (candidate.onPremisesImmutableId === claims.immutableId) user = candidate;
  }
  if (!user) {
    throw new AadstsError(51004, 'invalid_request', `The user account with ImmutableID '${claims.immutableId}' does not exist in the directory.`);
  }
  if (!user.accountEnabled) throw new AadstsError(50057, 'invalid_request', 'The user account is disabled.');
  return { protocol, tenant: realm.tenant, domain: realm.domain, user, issuer: claims.issuer, mfaPerformed: claims.mfaPerformed, loginRequest };
}

function checkConditions(context: EmulatorContext, claims: TokenClaims): void {
  if (!claims.audiences.includes(microsoftOnlineUrn)) throw tokenError(`the audience must be ${microsoftOnlineUrn}.`);
  if (claims.notOnOrAfter === undefined) throw tokenError('the assertion has no NotOnOrAfter.');
  const now = context.state.now();
  if ((claims.notBefore !== undefined && claims.notBefore - clockSkewMilliseconds > now) || claims.notOnOrAfter + clockSkewMilliseconds <= now) {
    throw new AadstsError(500133, 'invalid_request', 'The assertion is not within its valid time range.');
  }
}

function checkRequest(
  context: EmulatorContext,
  protocol: FederationProtocol,
  located: LocatedToken,
  claims: TokenClaims,
  form: ReadonlyMap<string, string>,
): LoginRequest {
  const now = context.state.now();
  if (protocol === 'wsFed') return context.loginRequests.readWsFedContext(form.get('wctx'), now);
  const response = located as LocatedSamlResponse;
  if (!isSuccess(response)) throw tokenError(`the Response status is ${response.statusCode}.`);
  const expectedRecipient = loginSrfUrl(context);
  if (claims.recipients.some((recipient) => recipient !== expectedRecipient)) {
    throw tokenError(`Destination and Recipient must be ${expectedRecipient}.`);
  }
  const [inResponseTo, ...others] = claims.inResponseTo;
  if (!inResponseTo || others.some((value) => value !== inResponseTo)) {
    throw tokenError('InResponseTo must be present and agree between Response and SubjectConfirmationData.');
  }
  const request = context.loginRequests.readSamlRequest(inResponseTo, now);
  if (form.get('RelayState') !== request.relayState) {
    throw new AadstsError(90100, 'invalid_request', 'RelayState must be returned exactly as it was sent.');
  }
  return request;
}
