import type { Domain, SigningKeyRow } from '../../core/db/schema.ts';

export type FederationProtocol = 'wsfed' | 'saml';
export type MfaBehavior = 'enforce' | 'accept' | 'reject';

const mfaBehaviors: Record<MfaBehavior, string> = {
  enforce: 'enforceMfaByFederatedIdp',
  accept: 'acceptIfMfaDoneByFederatedIdp',
  reject: 'rejectMfaByFederatedIdp',
};

/**
 * The Microsoft Graph `internalDomainFederation` body that federates `domain` to Lanyard
 * (`POST /domains/{domain}/federationConfiguration`). promptLoginBehavior is
 * translateToFreshPasswordAuthentication, so an app's prompt=login reaches Lanyard as wfresh=0.
 *
 * @example
 *   graphFederationBody({ domain, publicUrl, protocol: 'wsfed', mfaBehavior: 'enforce', current, next })
 */
export function graphFederationBody(input: {
  domain: Domain;
  publicUrl: string;
  displayName: string;
  protocol: FederationProtocol;
  mfaBehavior: MfaBehavior;
  current: SigningKeyRow;
  next: SigningKeyRow | undefined;
}): Record<string, unknown> {
  const base = `${input.publicUrl}/federation/${input.domain.name}`;
  const signIn = input.protocol === 'wsfed' ? `${base}/wsfed` : `${base}/saml2`;
  return {
    '@odata.type': '#microsoft.graph.internalDomainFederation',
    displayName: input.displayName,
    issuerUri: input.domain.issuerUri,
    passiveSignInUri: signIn,
    signOutUri: input.protocol === 'wsfed' ? signIn : `${base}/saml2/logout`,
    preferredAuthenticationProtocol: input.protocol === 'wsfed' ? 'wsFed' : 'saml',
    signingCertificate: input.current.certificate,
    ...(input.next && { nextSigningCertificate: input.next.certificate }),
    federatedIdpMfaBehavior: mfaBehaviors[input.mfaBehavior],
    promptLoginBehavior: 'translateToFreshPasswordAuthentication',
    ...(input.protocol === 'saml' && { isSignedAuthenticationRequestRequired: input.domain.requireSignedRequests === 1 }),
  };
}
