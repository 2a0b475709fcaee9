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
    if (isNotFound(error)) return undefined;
    return graphFailure(client, `reading domain ${name}`)(error);
  }
}

/**
 * The domain's federation configuration (Graph keeps at most one), or undefined. Graph has been seen
 * answering 404 Request_ResourceNotFound instead of an empty collection for a domain that has none;
 * callers read the domain itself first, so a 404 here means "no configuration".
 */
export async function readFederationConfiguration(client: Client, name: string): Promise<InternalDomainFederation | undefined> {
  try {
    const result = (await client.api(`/domains/${encode(name)}/federationConfiguration`).get()) as { value: InternalDomainFederation[] };
    return result.value[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return graphFailure(client, `reading the federation configuration of ${name}`)(error);
  }
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
  return (await request.catch(graphFailure(client, `${existing ? 'updating' : 'creating'} the federation configuration of ${name}`))) as InternalDomainFederation;
}

export async function setDomainAuthenticationType(client: Client, name: string, authenticationType: 'Managed' | 'Federated'): Promise<void> {
  await client.api(`/domains/${encode(name)}`).patch({ authenticationType }).catch(graphFailure(client, `setting ${name} to ${authenticationType}`));
}

/** Deletes the configuration; one that is already gone (Graph may remove it with authenticationType=Managed) is fine. */
export async function deleteFederationConfiguration(client: Client, name: string, id: string): Promise<void> {
  try {
    await client.api(`/domains/${encode(name)}/federationConfiguration/${encode(id)}`).delete();
  } catch (error) {
    if (isNotFound(error)) return;
    await graphFailure(client, `deleting the federation configuration of ${name}`)(error);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof GraphError && error.statusCode === 404;
}
