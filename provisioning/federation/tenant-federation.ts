import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import { graphFailure } from '../tenant/graph-client.ts';
import type { TenantDomain } from '../tenant/tenant-connection.ts';

/** The Graph `internalDomainFederation` fields Lanyard reads back. */
export interface InternalDomainFederation {
  readonly id: string;
  readonly issuerUri: string;
  readonly passiveSignInUri: string;
  readonly signOutUri: string | null;
  readonly preferredAuthenticationProtocol: 'wsFed' | 'saml';
  readonly signingCertificate: string;
  readonly nextSigningCertificate: string | null;
  readonly federatedIdpMfaBehavior: string | null;
  readonly promptLoginBehavior: string | null;
}

const encode = encodeURIComponent;

/** `GET /domains/{name}`, or undefined when the tenant has no such domain. */
export async function readTenantDomain(client: Client, name: string): Promise<TenantDomain | undefined> {
  try {
    return (await client.api(`/domains/${encode(name)}`).get()) as TenantDomain;
  } catch (error) {
    if (error instanceof GraphError && error.statusCode === 404) return undefined;
    return graphFailure(`reading domain ${name}`)(error);
  }
}

/** The domain's federation configuration (Graph keeps at most one), or undefined. */
export async function readFederationConfiguration(client: Client, name: string): Promise<InternalDomainFederation | undefined> {
  const result = (await client.api(`/domains/${encode(name)}/federationConfiguration`).get().catch(graphFailure(`reading the federation configuration of ${name}`))) as {
    value: InternalDomainFederation[];
  };
  return result.value[0];
}

/** Creates (POST) or updates (PATCH) the domain's federation configuration; returns the stored object. */
export async function writeFederationConfiguration(
  client: Client,
  name: string,
  existing: InternalDomainFederation | undefined,
  body: Record<string, unknown>,
): Promise<InternalDomainFederation> {
  const collection = `/domains/${encode(name)}/federationConfiguration`;
  const request = existing ? client.api(`${collection}/${encode(existing.id)}`).patch(body) : client.api(collection).post(body);
  return (await request.catch(graphFailure(`${existing ? 'updating' : 'creating'} the federation configuration of ${name}`))) as InternalDomainFederation;
}

export async function setDomainAuthenticationType(client: Client, name: string, authenticationType: 'Managed' | 'Federated'): Promise<void> {
  await client.api(`/domains/${encode(name)}`).patch({ authenticationType }).catch(graphFailure(`setting ${name} to ${authenticationType}`));
}

export async function deleteFederationConfiguration(client: Client, name: string, id: string): Promise<void> {
  await client.api(`/domains/${encode(name)}/federationConfiguration/${encode(id)}`).delete().catch(graphFailure(`deleting the federation configuration of ${name}`));
}
