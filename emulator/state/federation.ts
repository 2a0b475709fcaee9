import { randomUUID } from 'node:crypto';
import { parseCertificateBase64 } from '../tls/certificates.ts';
import type { Domain, FederationConfiguration, Tenant } from './model.ts';
import { EmulatorStateError, type EmulatorState } from './store.ts';
import { followingSubdomainMessage, isFollowingSubdomain, setAuthenticationType } from './subdomains.ts';

const protocols = ['wsFed', 'saml'] as const;
const mfaBehaviors = ['acceptIfMfaDoneByFederatedIdp', 'enforceMfaByFederatedIdp', 'rejectMfaByFederatedIdp'] as const;
const promptLoginBehaviors = ['translateToFreshPasswordAuthentication', 'nativeSupport', 'disabled'] as const;

/**
 * Checks that `domain` may be federated, the way Graph does before accepting a federationConfiguration:
 * verified, not the initial onmicrosoft.com domain, not the default domain (Okta KB: "Federating to the
 * 'Default' domain is not allowed").
 */
export function assertDomainCanBeFederated(tenant: Tenant, domain: Domain): void {
  if (!domain.isVerified) throw new EmulatorStateError(`Domain ${domain.id} is not verified.`);
  if (isFollowingSubdomain(domain)) throw new EmulatorStateError(followingSubdomainMessage(tenant, domain));
  if (domain.isInitial) throw new EmulatorStateError(`The initial domain ${domain.id} cannot be federated.`);
  if (domain.isDefault) throw new EmulatorStateError(`The default domain ${domain.id} cannot be federated.`);
}

/**
 * Validates and merges `changes` into `current` (or into a new configuration), returning the result
 * without storing it. Unknown properties are rejected, as Graph rejects properties its model lacks.
 */
export function mergeFederationConfiguration(
  state: EmulatorState,
  domain: Domain,
  current: FederationConfiguration | undefined,
  changes: Readonly<Record<string, unknown>>,
): FederationConfiguration {
  const merged: FederationConfiguration = current
    ? { ...current }
    : {
        id: randomUUID(),
        displayName: null,
        issuerUri: '',
        passiveSignInUri: '',
        signOutUri: null,
        activeSignInUri: null,
        metadataExchangeUri: null,
        preferredAuthenticationProtocol: 'wsFed',
        signingCertificate: '',
        nextSigningCertificate: null,
        federatedIdpMfaBehavior: null,
        promptLoginBehavior: null,
        isSignedAuthenticationRequestRequired: false,
        passwordResetUri: null,
      };
  for (const [property, value] of Object.entries(changes)) {
    switch (property) {
      case '@odata.type':
        if (value !== '#microsoft.graph.internalDomainFederation') {
          throw new EmulatorStateError(`Invalid @odata.type ${String(value)}.`);
        }
        break;
      case 'id':
        if (current && value !== current.id) throw new EmulatorStateError('The id property cannot be changed.');
        break;
      case 'displayName':
        merged.displayName = optionalString(property, value);
        break;
      case 'issuerUri':
        merged.issuerUri = requiredString(property, value);
        break;
      case 'passiveSignInUri':
        merged.passiveSignInUri = httpsUrl(property, value);
        break;
      case 'signOutUri':
      case 'activeSignInUri':
      case 'metadataExchangeUri':
      case 'passwordResetUri':
        merged[property] = value === null ? null : httpsUrl(property, value);
        break;
      case 'preferredAuthenticationProtocol':
        merged.preferredAuthenticationProtocol = oneOf(property, value, protocols);
        break;
      case 'federatedIdpMfaBehavior':
        merged.federatedIdpMfaBehavior = oneOf(property, value, mfaBehaviors);
        break;
      case 'promptLoginBehavior':
        merged.promptLoginBehavior = oneOf(property, value, promptLoginBehaviors);
        break;
      case 'isSignedAuthenticationRequestRequired':
        if (typeof value !== 'boolean') throw new EmulatorStateError(`${property} must be a boolean.`);
        merged.isSignedAuthenticationRequestRequired = value;
        break;
      case 'signingCertificate':
        merged.signingCertificate = certificate(property, value);
        break;
      case 'nextSigningCertificate':
        merged.nextSigningCertificate = value === null ? null : certificate(property, value);
        break;
      default:
        throw new EmulatorStateError(
          `Invalid property '${property}' on type 'microsoft.graph.internalDomainFederation'.`,
        );
    }
  }
  if (!merged.issuerUri) throw new EmulatorStateError('issuerUri is required.');
  if (!merged.passiveSignInUri) throw new EmulatorStateError('passiveSignInUri is required.');
  if (!merged.signingCertificate) throw new EmulatorStateError('signingCertificate is required.');
  const owner = state.findRealmByIssuer(merged.issuerUri);
  if (owner && owner.domain !== domain) {
    throw new EmulatorStateError(`issuerUri ${merged.issuerUri} is already used by another domain.`);
  }
  return merged;
}

/** Stores the configuration and makes the domain Federated, as POST federationConfiguration does. */
export function federateDomain(tenant: Tenant, domain: Domain, configuration: FederationConfiguration): void {
  if (!tenant.domains.has(domain.id)) throw new EmulatorStateError(`domain ${domain.id} is not in the tenant`);
  domain.federationConfiguration = configuration;
  setAuthenticationType(tenant, domain, 'Federated');
}

function requiredString(property: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new EmulatorStateError(`${property} must be a non-empty string.`);
  return value;
}

function optionalString(property: string, value: unknown): string | null {
  return value === null ? null : requiredString(property, value);
}

/** Entra accepts only HTTPS sign-in endpoints; the emulator checks the same, as the stricter reading. */
function httpsUrl(property: string, value: unknown): string {
  const text = requiredString(property, value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EmulatorStateError(`${property} must be an absolute URL.`);
  }
  if (url.protocol !== 'https:') throw new EmulatorStateError(`${property} must use https.`);
  return text;
}

function oneOf<T extends string>(property: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new EmulatorStateError(`${property} must be one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

/** Graph stores base64 DER and rejects anything X509Certificate2 could not load. */
function certificate(property: string, value: unknown): string {
  const text = requiredString(property, value);
  try {
    parseCertificateBase64(text);
  } catch {
    throw new EmulatorStateError(`${property} is not a base64-encoded DER X.509 certificate.`);
  }
  return text.replace(/\s+/g, '');
}
