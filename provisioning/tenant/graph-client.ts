import { createHash } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { AuthenticationHandler, Client, CustomAuthenticationProvider, GraphError, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import { LanyardError } from '../../core/errors.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import type { Database } from '../../core/db/schema.ts';
import { findTenantConnection } from '../data/tenant-connections.ts';
import type { Config } from '../../core/config.ts';
import type { DelegatedTenantAccess } from '../../core/services.ts';
import { microsoftUnreachable } from './microsoft-unreachable.ts';

/** Client-credential scope for Microsoft Graph (the resource id, not the configurable Graph URL). */
export const graphScope = 'https://graph.microsoft.com/.default';

export interface TenantGraphDeps {
  readonly db: Kysely<Database>;
  readonly masterKey: Buffer;
  readonly config: Pick<Config, 'microsoftLoginUrl' | 'graphUrl'>;
  /**
   * For an organization with no tenant connection of its own: its tenant through a CSP partner's
   * delegated access (core/services.ts, provided by csp/), when it is linked to a CSP customer.
   */
  readonly delegatedAccess?: DelegatedTenantAccess | undefined;
}

export interface TenantCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface TenantGraph {
  readonly client: Client;
  readonly tenantId: string;
}

/** The secret-box context of an organization's client secret: a sealed secret only opens in its own row. */
export function tenantSecretContext(organizationId: string): string {
  return `tenant:${organizationId}`;
}

/**
 * A Graph client acting as the organization's connected app registration (client credentials
 * through MSAL, token cached and renewed by MSAL). An organization without a connection that is
 * linked to a CSP customer gets a client acting through the partner's delegated access instead
 * (`deps.delegatedAccess`), with no app registration in its tenant. Throws TENANT_NOT_CONNECTED
 * (409) when neither is there.
 *
 * @example
 *   const { client, tenantId } = await openTenantGraph({ db, masterKey, config }, organization.id);
 *   const domains = await client.api('/domains').get();
 */
export async function openTenantGraph(deps: TenantGraphDeps, organizationId: string): Promise<TenantGraph> {
  const connection = await findTenantConnection(deps.db, organizationId);
  if (!connection) {
    const delegated = await deps.delegatedAccess?.forOrganization(organizationId);
    if (delegated) return { client: graphClientWithToken(deps.config, () => delegated.accessToken(graphScope)), tenantId: delegated.tenantId };
    throw new LanyardError('TENANT_NOT_CONNECTED', 'no Microsoft 365 tenant is connected to this organization; run `lanyard tenant connect` first', { organizationId });
  }
  const clientSecret = createSecretBox(deps.masterKey).open(connection.clientSecretEncrypted, tenantSecretContext(organizationId)).toString('utf8');
  return { client: createGraphClient(deps.config, { tenantId: connection.tenantId, clientId: connection.clientId, clientSecret }), tenantId: connection.tenantId };
}

/**
/**
 * What graphFailure needs to know about a client: the Graph URL (to tell an unreachable Graph from
 * an answer) and the last token failure, which the Graph client itself keeps only as text.
 */
interface ClientFacts {
  readonly graphUrl: string;
  lastTokenFailure: unknown;
}
const clientFacts = new WeakMap<Client, ClientFacts>();

/**
 * A Graph client for explicit credentials (used to check credentials before they are stored).
 * Its middleware is only authentication and the request itself. Not the SDK's default chain:
 * its RetryHandler would retry a 429/503 on its own, under Lanyard's policy (provisioning/graph/retry.ts),
 * multiplying the requests each of Lanyard's attempts sends and hiding throttling from the run's
 * statistics; its TelemetryHandler adds SDK headers Graph does not need. Redirects are left to
 * fetch, which drops the Authorization header on a redirect to another origin (Graph's endpoints
 * Lanyard calls do not redirect).
 */
export function createGraphClient(config: TenantGraphDeps['config'], credentials: TenantCredentials): Client {
  const application = confidentialClient(config.microsoftLoginUrl, credentials);
  return graphClientWithToken(config, () => acquireGraphToken(application, config.microsoftLoginUrl));
}

/** A Graph client (the middleware above) whose bearer tokens come from `token`. */
function graphClientWithToken(config: TenantGraphDeps['config'], token: () => Promise<string>): Client {
  const facts: ClientFacts = { graphUrl: config.graphUrl, lastTokenFailure: undefined };
  const authentication = new AuthenticationHandler(
    new CustomAuthenticationProvider((done) => {
      token().then(
        (token) => done(null, token),
        (error: unknown) => {
          facts.lastTokenFailure = error;
          done(error, null);
        },
      );
    }),
  );
  authentication.setNext(new HTTPMessageHandler());
  const client = Client.initWithMiddleware({
    middleware: authentication,
    baseUrl: `${config.graphUrl}/`,
    customHosts: new Set([new URL(config.graphUrl).hostname]),
    defaultVersion: 'v1.0',
  });
  clientFacts.set(client, facts);
  return client;
}

/**
 * MSAL applications by credentials, so every Graph client for the same connection shares one token
 * cache (MSAL renews the token shortly before it expires). Keyed by a hash, never by the secret.
 * Bounded: one entry per connection in practice; the oldest is dropped past the limit.
 */
const applications = new Map<string, ConfidentialClientApplication>();
const maxCachedApplications = 256;

function confidentialClient(loginUrl: string, credentials: TenantCredentials): ConfidentialClientApplication {
  const key = createHash('sha256').update(JSON.stringify([loginUrl, credentials.tenantId, credentials.clientId, credentials.clientSecret])).digest('hex');
  const cached = applications.get(key);
  if (cached) return cached;
  const application = new ConfidentialClientApplication({
    auth: {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority: `${loginUrl}/${credentials.tenantId}`,
      knownAuthorities: [new URL(loginUrl).host],
    },
  });
  if (applications.size >= maxCachedApplications) applications.delete(applications.keys().next().value as string);
  applications.set(key, application);
  return application;
}

/**
 * A Graph access token for `credentials`; MSAL errors become TENANT_AUTH_FAILED (with the AADSTS
 * code when Entra gave one), so a wrong secret or tenant is reported plainly, and a login URL that
 * cannot be reached becomes MICROSOFT_UNREACHABLE, so a network fault is not blamed on the secret.
 */
export async function checkTenantCredentials(config: TenantGraphDeps['config'], credentials: TenantCredentials): Promise<void> {
  await acquireGraphToken(confidentialClient(config.microsoftLoginUrl, credentials), config.microsoftLoginUrl);
}

async function acquireGraphToken(application: ConfidentialClientApplication, loginUrl: string): Promise<string> {
  let result;
  try {
    result = await application.acquireTokenByClientCredential({ scopes: [graphScope] });
  } catch (error) {
    const unreachable = await microsoftUnreachable(loginUrl, error);
    if (unreachable) throw unreachable;
    const { errorCode, errorMessage } = error as { errorCode?: string; errorMessage?: string };
    const aadsts = /AADSTS\d+/.exec(errorMessage ?? '')?.[0];
    const firstLine = (errorMessage ?? String(error)).split(/\r?\n/)[0];
    throw new LanyardError('TENANT_AUTH_FAILED', `Microsoft refused the app credentials: ${firstLine}`, { errorCode, aadsts });
  }
  if (!result?.accessToken) throw new LanyardError('TENANT_AUTH_FAILED', 'Microsoft returned no access token');
  return result.accessToken;
}

/**
 * Turns a failure of `client` into a LanyardError: the error raised while getting a token
 * (TENANT_AUTH_FAILED, MICROSOFT_UNREACHABLE for the login URL), MICROSOFT_UNREACHABLE when Graph
 * gave no answer, else GRAPH_REQUEST_FAILED keeping Graph's status and error code.
 *
 * @example
 *   const domain = await client.api(`/domains/${name}`).get().catch(graphFailure(client, `reading domain ${name}`));
 */
export function graphFailure(client: Client, action: string): (error: unknown) => Promise<never> {
  return async (error: unknown) => {
    if (error instanceof LanyardError) throw error;
    const facts = clientFacts.get(client);
    // The Graph client keeps a token failure only as a GraphError with its name as the code.
    if (error instanceof GraphError && error.code === 'LanyardError' && facts?.lastTokenFailure instanceof LanyardError) throw facts.lastTokenFailure;
    const unreachable = facts ? await microsoftUnreachable(facts.graphUrl, error) : undefined;
    if (unreachable) throw unreachable;
    if (error instanceof GraphError) {
      throw new LanyardError('GRAPH_REQUEST_FAILED', `${action}: Graph answered ${error.statusCode} ${error.code ?? ''}: ${error.message}`.replace(/\s+:/, ':'), {
        graphStatus: error.statusCode,
        graphCode: error.code,
      });
    }
    throw new LanyardError('GRAPH_REQUEST_FAILED', `${action}: ${error instanceof Error ? error.message : String(error)}`);
  };
}
