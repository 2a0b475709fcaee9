import type { AppRegistration, Tenant } from '../state/model.ts';
import type { EmulatorState } from '../state/store.ts';
import { AadstsError } from './aadsts.ts';

export interface AuthenticatedClient {
  readonly app: AppRegistration;
  /** The tenant the app is registered in (the partner tenant for a CSP app). */
  readonly homeTenant: Tenant;
}

/** The app registration with this client id, in whichever tenant holds it. */
export function findAppRegistration(state: EmulatorState, clientId: string): AuthenticatedClient | undefined {
  for (const homeTenant of state.tenants.values()) {
    const app = homeTenant.apps.find((candidate) => candidate.clientId === clientId);
    if (app) return { app, homeTenant };
  }
  return undefined;
}

/**
 * The client as the token and authorize endpoints identify it in `tenant`: known (AADSTS700016), with a
 * service principal there when `tenant` is not its home (AADSTS7000229, a multi-tenant app never
 * consented in that tenant). The interactive authorize endpoint passes `requireServicePrincipal:
 * false`: as in Entra, a multi-tenant app's sign-in in another tenant leads to the consent page, and
 * that consent creates the service principal.
 */
export function identifyClient(state: EmulatorState, tenant: Tenant, clientId: string | undefined, options: { requireServicePrincipal?: boolean } = {}): AuthenticatedClient {
  if (!clientId) throw new AadstsError(900144, 'invalid_request', "The request body must contain the following parameter: 'client_id'.");
  const found = findAppRegistration(state, clientId);
  if (!found) {
    throw new AadstsError(
      700016,
      'unauthorized_client',
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  if ((options.requireServicePrincipal ?? true) && found.homeTenant.id !== tenant.id && !state.delegatedAccess.consents.hasServicePrincipal(tenant.id, clientId)) {
    throw new AadstsError(
      7000229,
      'invalid_client',
      `The client application ${clientId} is missing service principal in the tenant ${tenant.id}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
    );
  }
  return found;
}

/** `identifyClient` plus the client secret check (AADSTS7000218 missing, AADSTS7000215 wrong). */
export function authenticateClient(state: EmulatorState, tenant: Tenant, form: ReadonlyMap<string, string>): AuthenticatedClient {
  const client = identifyClient(state, tenant, form.get('client_id'));
  const secret = form.get('client_secret');
  if (!secret) {
    throw new AadstsError(7000218, 'invalid_client', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", 401);
  }
  if (secret !== client.app.clientSecret) {
    throw new AadstsError(
      7000215,
      'invalid_client',
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.app.clientId}'.`,
      401,
    );
  }
  if (client.app.clientSecretExpiresAt !== undefined && Date.parse(client.app.clientSecretExpiresAt) <= state.now()) {
    throw new AadstsError(
      7000222,
      'invalid_client',
      `The provided client secret keys for app '${client.app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      401,
    );
  }
  return client;
}
